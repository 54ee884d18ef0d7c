package judge

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/stage"
)

func single(calls, errors int64) evidence.Cell {
	return evidence.Cell{Calls: calls, Errors: errors, TraceCalls2: calls, TraceErrors2: errors, TraceCallsErrors: errors}
}

// TestKeptErrorsAreCreditedAfterTheSampler: stable kept at 10% with every
// error kept (p = 1) carries almost all the information about its error
// rate that the unsampled arm does, and the error-rate contrast's variance
// must say so: it may grow by the sampling of the non-error calls (about
// p_s * 9 relative), not tenfold as if every span had been kept at 10%.
func TestKeptErrorsAreCreditedAfterTheSampler(t *testing.T) {
	th := evidence.ThresholdOf(0.1)
	build := func(sampled bool) contrast {
		ev := evidence.New()
		for k := evidence.Step(0); k < 10; k++ {
			key := evidence.CellKey{Release: pay, Operation: payOp, Arm: stage.Canary, Step: k}
			require.NoError(t, ev.AddCell(key, single(500, 3)))
			key.Arm = stage.Stable
			if sampled {
				require.NoError(t, ev.AddCell(key, single(50, 50)))
				key.Threshold = th
				require.NoError(t, ev.AddCell(key, single(995, 0)))
			} else {
				require.NoError(t, ev.AddCell(key, single(10000, 50)))
			}
		}
		ev.AddRun(pay, 0)
		j := mustJudge(t, DefaultCriteria())
		j.Judge(ev, 9)
		rel, _, _ := errorContrasts(j.runs[pay].byOp[payOp], DefaultCriteria().ErrorRate)
		return rel
	}
	all, kept := build(false), build(true)
	assert.InDelta(t, all.s, kept.s, 1e-9*all.t, "same estimates")
	assert.Less(t, kept.v/all.v, 1.1, "variance after the sampler %.3g vs %.3g beside it", kept.v, all.v)
	assert.GreaterOrEqual(t, kept.v, all.v)
}

// expectedCell is a step's cell holding exactly the expected count of n
// calls from m in each bucket (rounded): a noise-free arm.
func expectedCell(m latencyModel, n float64) evidence.Cell {
	off, p := m.buckets()
	h := evidence.Histogram{Offset: off}
	var calls int64
	for _, x := range p {
		k := int64(math.Round(n * x))
		h.Counts = append(h.Counts, uint64(k))
		calls += k
	}
	return cellOf(calls, 0, 1, h)
}

// TestDensityRatioOfTheLatencyContrast: the stable quantile's noise enters
// the latency contrast's variance times rho^2, rho = (1+r) f_c / f_s at the
// arms' q-quantiles, estimated from quantile spacings. A canary that is
// stable scaled by 1+r (at tolerance) has rho = 1; one whose regression is
// a slow tail has its p99 inside the tail, where the quantiles are far
// apart: stable lognormal (median 15.6 ms, sigma 0.5, p99 50 ms), canary
// the same body on 98% of calls and a lognormal tail (300 ms, sigma 0.1)
// on 2%, so its 98.5th and 99.5th percentiles are the tail's quartiles.
// The noise-free arms here have enough calls for the standard-error
// margin to be under 1%.
func TestDensityRatioOfTheLatencyContrast(t *testing.T) {
	stable := lat(0.0156, 0.5)
	tail := stable
	tail.tailShare, tail.tailMedian = 0.02, 0.300
	scaled := stable
	scaled.median *= 1.2
	ratio := func(canary latencyModel, q float64) float64 {
		ev := evidence.New()
		for k := evidence.Step(0); k < 30; k++ {
			key := evidence.CellKey{Release: pay, Operation: payOp, Arm: stage.Canary, Step: k}
			require.NoError(t, ev.AddCell(key, expectedCell(canary, 1e5)))
			key.Arm = stage.Stable
			require.NoError(t, ev.AddCell(key, expectedCell(stable, 1e6)))
		}
		ev.AddRun(pay, 0)
		j := mustJudge(t, DefaultCriteria())
		j.Judge(ev, 29)
		return densityRatio(j.runs[pay].byOp[payOp], q, 0.2)
	}
	z := func(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }
	stableSpacing := 0.0156 * (math.Exp(0.5*z(0.995)) - math.Exp(0.5*z(0.985)))
	canarySpacing := 0.300 * (math.Exp(0.1*z(0.75)) - math.Exp(0.1*z(0.25)))
	want := 1.2 * stableSpacing / canarySpacing
	assert.InDelta(t, 0.31, want, 0.01, "the analytic ratio")
	assert.InDelta(t, want, ratio(tail, 0.99), 0.01, "slow tail, p99")
	assert.InDelta(t, 1, ratio(scaled, 0.99), 0.015, "scaled canary, p99")
	assert.InDelta(t, 1, ratio(scaled, 0.5), 0.01, "scaled canary, p50")
}

// TestTailSkewWidensThinTails: the factor that matches the normal
// approximation to the Gamma(k) reach m standard deviations out
// (Wilson-Hilferty), for k observations beyond stable's quantile.
func TestTailSkewWidensThinTails(t *testing.T) {
	for _, c := range []struct{ k, m, want float64 }{
		{20, 4, 1.681},
		{57, 4, 1.373},
		{200, 4, 1.189},
		{1e6, 4, 1.002},
		{20, math.Inf(1), 1},
	} {
		assert.InDelta(t, c.want, tailSkew(c.k, c.m), 0.001, "k=%v m=%v", c.k, c.m)
	}
}
