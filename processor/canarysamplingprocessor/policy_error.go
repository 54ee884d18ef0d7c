package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import "github.com/canarytrace/canarytrace/internal/sampling"

// errorPolicy keeps every trace with an error span (keep_errors).
//
// The keep does not depend on the randomness, so within this stage the
// trace is kept with probability 1: its threshold is the upstream one,
// unchanged (th "0" when nothing upstream sampled). Writing the upstream th
// rather than "0" is what keeps the adjusted count right: the trace reached
// this processor only with the upstream probability.
type errorPolicy struct{}

func (errorPolicy) decide(s *traceSummary, _ sampling.Randomness) (decision, bool) {
	if !s.hasError {
		return decision{}, false
	}
	return decision{keep: true, reason: reasonError, threshold: s.upstream}, true
}
