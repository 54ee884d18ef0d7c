package judge

import "testing"

// atTolerance makes every operation's canary exactly as bad as tolerated:
// error rate x(1+max_relative_increase) (which, at these rates, is above
// stable+max_absolute_increase) and every latency quantile
// x(1+max_relative_increase). This is the least favourable healthy canary,
// where the false-rollback bound is decided — harder than A/A.
func atTolerance(c Criteria) scenario {
	s := tenOperations()
	for i := range s.ops {
		o := &s.ops[i]
		o.errCanary = o.errStable * (1 + c.ErrorRate.MaxRelativeIncrease)
		o.latCanary.median *= 1 + c.Latency.MaxRelativeIncrease
	}
	return s
}

// TestAtToleranceFalseRollbackShare: every check of every operation exactly
// at its tolerance, 5% share, 200 req/s, 30 minutes, beside the sampler and
// after it on the same traffic. Seed 6, 200 runs: the share of runs that
// ever roll back is at most 9% (design 5%) in both placements.
func TestAtToleranceFalseRollbackShare(t *testing.T) {
	const runs, seed = 200, 6
	c := DefaultCriteria()
	var rollbacks [2]int
	for r := 0; r < runs; r++ {
		both := simulate(t, atTolerance(c), seed*1000+uint64(r), 30*stepsPerMinute, true, c)
		for i, o := range both {
			if o.rollbackAt >= 0 {
				rollbacks[i]++
				t.Logf("run %d (placement %d) rolled back at step %d: %v", r, i, o.rollbackAt, o.failed)
			}
		}
	}
	t.Logf("at tolerance, seed %d, %d runs x 30 min: false rollback share %.3f beside the sampler, %.3f after it (bound 0.09, design 0.05)",
		seed, runs, share(rollbacks[0], runs), share(rollbacks[1], runs))
	for i := range rollbacks {
		if share(rollbacks[i], runs) > 0.09 {
			t.Errorf("false rollback share %.3f > 0.09 (placement %d)", share(rollbacks[i], runs), i)
		}
	}
}
