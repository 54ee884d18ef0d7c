package judge

import (
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
