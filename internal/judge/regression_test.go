package judge

import (
	"testing"
)

// stepsPerMinute at the 10 s interval of the simulations.
const stepsPerMinute = 6

// failedOp reports whether a check of op failed at or before step.
func failedOp(o outcome, opName string, step int) bool {
	for id, at := range o.failed {
		if id.op.Name == opName && at <= step {
			return true
		}
	}
	return false
}

// TestErrorRegressionRollsBack: the release's main operation at 3x the
// stable error rate (0.5% -> 1.5%), 5% share, 200 req/s. Seed 2, 200 runs:
// rollback within 10 minutes in at least 95% beside the sampler; on the same
// traffic after it (stable 10%, canary 100%, errors kept) at least 90%, and
// the share of runs with the same verdict at 10 minutes is reported.
func TestErrorRegressionRollsBack(t *testing.T) {
	const runs, seed = 200, 2
	steps := 10 * stepsPerMinute
	s := tenOperations()
	s.ops[0].errCanary = 0.015
	hit, named, when, hitSampled, agree := 0, 0, 0, 0, 0
	for r := 0; r < runs; r++ {
		both := simulate(t, s, seed*1000+uint64(r), steps, true, DefaultCriteria())
		o := both[0]
		if both[1].rollbackAt >= 0 {
			hitSampled++
		}
		if both[0].final == both[1].final {
			agree++
		}
		if o.rollbackAt >= 0 {
			hit++
			when += o.rollbackAt
			if failedOp(o, "POST /checkout", o.rollbackAt) {
				named++
			}
		}
	}
	t.Logf("3x error rate on the main operation, seed %d, %d runs: rollback within 10 min in %.3f (bound >= 0.95), naming it in %.3f, mean %.1f min",
		seed, runs, share(hit, runs), share(named, runs), float64(when)/float64(max(hit, 1))/stepsPerMinute)
	t.Logf("same traffic after the sampler: rollback within 10 min in %.3f; verdict at 10 min the same in %.3f", share(hitSampled, runs), share(agree, runs))
	if share(hit, runs) < 0.95 {
		t.Errorf("rollback share %.3f < 0.95", share(hit, runs))
	}
	// After the sampler stable keeps a tenth of its spans: less evidence,
	// so the bound there is a floor on agreement, not the 95%.
	if share(hitSampled, runs) < 0.9 {
		t.Errorf("rollback share after the sampler %.3f < 0.9", share(hitSampled, runs))
	}
}

// TestLatencyTailRegressionNamesOperation: one operation on every request
// with p99 from 50 ms to 300 ms through a slow tail on 2% of canary calls,
// 5% share, 200 req/s. Seed 3, 200 runs: rollback naming that operation
// within 5 minutes in at least 95% of runs, beside the sampler and on the
// same traffic after it (stable 10%, canary 100%, errors kept); the
// agreement at 5 minutes is reported.
func TestLatencyTailRegressionNamesOperation(t *testing.T) {
	const runs, seed = 200, 3
	steps := 5 * stepsPerMinute
	s := tenOperations()
	slow := &s.ops[2] // db:SELECT users, stable p99 = 15.6 ms * e^(2.326*0.5) = 50 ms
	slow.latCanary.tailShare, slow.latCanary.tailMedian = 0.02, 0.300
	named, when, namedSampled, agree := 0, 0, 0, 0
	for r := 0; r < runs; r++ {
		both := simulate(t, s, seed*1000+uint64(r), steps, true, DefaultCriteria())
		o := both[0]
		if o.rollbackAt >= 0 && failedOp(o, "db:SELECT users", o.rollbackAt) {
			named++
			when += o.rollbackAt
		}
		if p := both[1]; p.rollbackAt >= 0 && failedOp(p, "db:SELECT users", p.rollbackAt) {
			namedSampled++
		}
		if both[0].final == both[1].final {
			agree++
		}
	}
	t.Logf("p99 50->300 ms tail on one operation, seed %d, %d runs: rollback naming it within 5 min in %.3f (bound >= 0.95), mean %.1f min",
		seed, runs, share(named, runs), float64(when)/float64(max(named, 1))/stepsPerMinute)
	t.Logf("same traffic after the sampler: rollback naming it within 5 min in %.3f (bound >= 0.95); verdict at 5 min the same in %.3f", share(namedSampled, runs), share(agree, runs))
	if share(named, runs) < 0.95 {
		t.Errorf("share %.3f < 0.95", share(named, runs))
	}
	if share(namedSampled, runs) < 0.95 {
		t.Errorf("share after the sampler %.3f < 0.95", share(namedSampled, runs))
	}
}

// TestDownstreamRegressionBlamesCaller: inventory fails 3% (stable 0.2%)
// only when called from canary checkout. Seed 4, 200 runs: checkout rolls
// back naming inventory's operation within 10 minutes in at least 95%, and
// no check of an innocent operation fails in more than 5% of runs.
func TestDownstreamRegressionBlamesCaller(t *testing.T) {
	const runs, seed = 200, 4
	steps := 10 * stepsPerMinute
	s := tenOperations()
	inv := &s.ops[6] // inventory GET /stock
	inv.errCanary = 0.03
	named, innocent, when := 0, 0, 0
	for r := 0; r < runs; r++ {
		o := simulate(t, s, seed*1000+uint64(r), steps, false, DefaultCriteria())[0]
		if o.rollbackAt >= 0 && failedOp(o, "GET /stock", o.rollbackAt) {
			named++
			when += o.rollbackAt
		}
		for id := range o.failed {
			if !id.op.IsRelease() && id.op.Name != "GET /stock" {
				innocent++
				t.Logf("run %d: innocent %v failed", r, id)
				break
			}
		}
	}
	t.Logf("inventory 3%% vs 0.2%% from canary checkout, seed %d, %d runs: rollback naming it within 10 min in %.3f (bound >= 0.95), mean %.1f min; an innocent operation check failed in %.3f (bound <= 0.05)",
		seed, runs, share(named, runs), float64(when)/float64(max(named, 1))/stepsPerMinute, share(innocent, runs))
	if share(named, runs) < 0.95 {
		t.Errorf("share %.3f < 0.95", share(named, runs))
	}
	if share(innocent, runs) > 0.05 {
		t.Errorf("innocent share %.3f > 0.05", share(innocent, runs))
	}
}

// TestSparseCanaryWaitsForMinSamples: 1% canary of 5 req/s, about three
// canary calls a minute per operation. Seed 5, 200 runs of 30 minutes: no
// run promotes while a release-level check has fewer than min_samples in an
// arm, and none rolls back.
func TestSparseCanaryWaitsForMinSamples(t *testing.T) {
	const runs, seed = 200, 5
	steps := 30 * stepsPerMinute
	s := tenOperations()
	s.rps, s.canaryShare = 5, 0.01
	early, rollbacks, promoted := 0, 0, 0
	for r := 0; r < runs; r++ {
		o := simulate(t, s, seed*1000+uint64(r), steps, false, DefaultCriteria())[0]
		if o.promotedEarly {
			early++
		}
		if o.rollbackAt >= 0 {
			rollbacks++
		}
		if o.promoteAt >= 0 {
			promoted++
		}
	}
	t.Logf("1%% canary of 5 req/s, seed %d, %d runs x 30 min: promoted before min_samples in %d runs, rolled back in %d, promoted (after min_samples) in %d",
		seed, runs, early, rollbacks, promoted)
	if early != 0 {
		t.Errorf("%d runs promoted before min_samples", early)
	}
	if rollbacks != 0 {
		t.Errorf("%d healthy sparse runs rolled back", rollbacks)
	}
}
