package canaryverdictexporter

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/canarytrace/canarytrace/internal/judge"
)

func TestChartBandsPerCheck(t *testing.T) {
	errs := estimates(judge.CheckResult{Check: judge.CheckErrorRate, Canary: 0.02, Stable: 0.01, Interval: [2]float64{0.004, 0.016}})
	assert.InDelta(t, 0.014, errs.CanaryLo, 1e-12, "stable + the interval of canary - stable")
	assert.InDelta(t, 0.026, errs.CanaryHi, 1e-12)
	assert.True(t, math.IsNaN(errs.StableLo))

	lat := estimates(judge.CheckResult{Check: "latency_p99", Canary: 0.3, Stable: 0.05,
		CanaryBand: [2]float64{0.25, 0.32}, StableBand: [2]float64{0.048, 0.052}})
	assert.Equal(t, armEstimates{Canary: 0.3, CanaryLo: 0.25, CanaryHi: 0.32, Stable: 0.05, StableLo: 0.048, StableHi: 0.052}, lat)

	waiting := estimates(judge.CheckResult{Check: "latency_p99", Canary: 0.3, Stable: 0.05})
	assert.True(t, math.IsNaN(waiting.CanaryLo) && math.IsNaN(waiting.StableHi), "no calls, no band")
}
