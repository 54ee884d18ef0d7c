package comparison

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canarytrace/canarytrace/bench/workload"
)

// Both samplers make the same decisions in kind on workload seed 1 with
// 20,000 traces: every canary and every error trace kept, stable traces
// within 5 binomial standard deviations of 10%. Every trace is still
// buffered when the heap is measured.
func TestSamplersDecideAlike(t *testing.T) {
	cfg := workload.DefaultConfig(20_000)
	for _, s := range contenders {
		t.Run(s.Name, func(t *testing.T) {
			h, err := MeasureHeld(context.Background(), s, cfg)
			require.NoError(t, err)
			assert.Zero(t, h.Early, "spans forwarded before the measurement")
			assertDecisions(t, h.Kept, h.Truth)
		})
	}
}

func assertDecisions(t *testing.T, kept Kept, truth workload.Truth) {
	t.Helper()
	assert.Equal(t, truth.Traces[workload.Canary], kept.Traces[workload.Canary], "canary traces")
	assert.Equal(t, truth.Spans[workload.Canary], kept.Spans[workload.Canary], "canary spans")
	assert.Equal(t, truth.Traces[workload.Error], kept.Traces[workload.Error], "error traces")
	assert.Equal(t, truth.Spans[workload.Error], kept.Spans[workload.Error], "error spans")
	n := float64(truth.Traces[workload.Stable])
	assert.InDelta(t, 0.1*n, float64(kept.Traces[workload.Stable]), 5*math.Sqrt(n*0.1*0.9), "stable traces")
}

// canary_sampling writes the probability on every kept span: the adjusted
// counts of kept stable spans add up to the stable spans generated, within
// 5 standard deviations of the Horvitz–Thompson total (trace-level
// sampling: each kept trace of s spans contributes 10·s).
func TestCanarySamplingAdjustedCountsEstimateTruth(t *testing.T) {
	cfg := workload.DefaultConfig(20_000)
	h, err := MeasureHeld(context.Background(), CanarySampling(), cfg)
	require.NoError(t, err)
	for _, k := range []workload.Kind{workload.Canary, workload.Error} {
		assert.Equal(t, float64(h.Truth.Spans[k]), h.Kept.Adjusted[k], k.String())
	}
	n := float64(h.Truth.Traces[workload.Stable])
	spansPerTrace := float64(h.Truth.Spans[workload.Stable]) / n
	sd := spansPerTrace * math.Sqrt(n*0.9/0.1) * 1.05 // per-trace span counts vary (11–15) a little
	assert.InDelta(t, float64(h.Truth.Spans[workload.Stable]), h.Kept.Adjusted[workload.Stable], 5*sd)
}
