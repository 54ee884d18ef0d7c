package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import "github.com/canarytrace/canarytrace/internal/sampling"

// slowPolicy keeps every trace whose longest span lasted at least threshold
// nanoseconds (keep_slower_than). Like errorPolicy, it keeps with
// probability 1 within this stage, so the threshold stays the upstream one.
type slowPolicy struct {
	threshold int64
}

func (p slowPolicy) decide(s *traceSummary, _ sampling.Randomness) (decision, bool) {
	if s.maxDuration < p.threshold {
		return decision{}, false
	}
	return decision{keep: true, reason: reasonSlow, threshold: s.upstream}, true
}
