package judge

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/canarytrace/canarytrace/internal/evidence"
)

func TestQuantileBandHoldsTheEstimateAndNarrowsWithCalls(t *testing.T) {
	// 50 adjacent buckets of 100 calls each (about 1 ms to 8 ms).
	h := evidence.Histogram{Offset: -160, Counts: make([]uint64, 50)}
	for i := range h.Counts {
		h.Counts[i] = 100
	}
	var w weightedHistogram
	w.addScaled(&h, 1)
	const q = 0.99
	est := w.quantile(q)
	few := w.quantileBand(q, 200, 0.95)
	many := w.quantileBand(q, 200_000, 0.95)

	assert.Less(t, few[0], est)
	assert.Greater(t, few[1], est)
	assert.LessOrEqual(t, many[0], est)
	assert.GreaterOrEqual(t, many[1], est)
	assert.Less(t, many[1]-many[0], few[1]-few[0], "more calls, a narrower band")
	assert.Equal(t, [2]float64{}, w.quantileBand(q, 0, 0.95), "no calls, no band")
}
