package judge

import (
	"testing"
)

// share is a count over runs as a fraction.
func share(n, runs int) float64 { return float64(n) / float64(runs) }

// TestAAFalseRollbackShare is issue 4's A/A guarantee: the canary is
// identical to stable (5% share, 200 req/s, ten operations, judged every
// 10 s for 30 minutes). Seed 1, 200 runs: the share of runs that ever roll
// back is at most 9% (the design bound is 1 - confidence = 5%). The same
// runs report the share reaching promote within 30 minutes, and judge the
// same traffic after the sampler (stable 10%, canary 100%, errors kept) to
// measure the agreement of the two placements.
func TestAAFalseRollbackShare(t *testing.T) {
	const runs, steps, seed = 200, 180, 1
	c := DefaultCriteria()
	var rollbacks, rollbacksSampled, promoted, promotedSampled, agree, promoteSteps int
	for r := 0; r < runs; r++ {
		o := simulate(t, tenOperations(), seed*1000+uint64(r), steps, true, c)
		if o[0].rollbackAt >= 0 {
			rollbacks++
			t.Logf("run %d rolled back at step %d: %v", r, o[0].rollbackAt, o[0].failed)
		}
		if o[1].rollbackAt >= 0 {
			rollbacksSampled++
		}
		if o[0].promoteAt >= 0 {
			promoted++
			promoteSteps += o[0].promoteAt
		}
		if o[1].promoteAt >= 0 {
			promotedSampled++
		}
		if o[0].final == o[1].final {
			agree++
		}
	}
	t.Logf("A/A, seed %d, %d runs x 30 min: false rollback share %.3f beside the sampler, %.3f after it (bound 0.09, design 0.05)",
		seed, runs, share(rollbacks, runs), share(rollbacksSampled, runs))
	t.Logf("A/A: promote within 30 min in %.3f of runs beside the sampler (mean %.1f min), %.3f after it; final verdicts agree in %.3f",
		share(promoted, runs), float64(promoteSteps)/float64(max(promoted, 1))/stepsPerMinute, share(promotedSampled, runs), share(agree, runs))
	if share(rollbacks, runs) > 0.09 || share(rollbacksSampled, runs) > 0.09 {
		t.Errorf("false rollback share above 9%%")
	}
}
