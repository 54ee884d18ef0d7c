package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import (
	"github.com/canarytrace/canarytrace/internal/sampling"
)

// reason says which policy decided a trace; it is the reason attribute of
// the processor's telemetry.
type reason uint8

const (
	reasonError reason = iota
	reasonSlow
	reasonCanary
	reasonStable
	numReasons
)

func (r reason) String() string {
	return [...]string{"error", "slow", "canary", "stable"}[r]
}

// decision is the outcome for one trace. threshold is the th every kept
// span of the trace carries (at least: a span keeps a higher th of its own).
type decision struct {
	keep      bool
	reason    reason
	threshold sampling.Threshold
}

// policy is one sampling rule. decide returns the decision, or false when
// the rule has nothing to say about the trace and the next one is asked.
type policy interface {
	decide(s *traceSummary, r sampling.Randomness) (decision, bool)
}

// policies asks its rules in order; the stage policy, which always
// decides, comes last.
type policies struct {
	rules []policy
	last  stagePolicy
}

func newPolicies(cfg *Config) policies {
	var ps policies
	if cfg.KeepErrors {
		ps.rules = append(ps.rules, errorPolicy{})
	}
	if cfg.KeepSlowerThan > 0 {
		ps.rules = append(ps.rules, slowPolicy{threshold: cfg.KeepSlowerThan.Nanoseconds()})
	}
	ps.last = newStagePolicy(cfg.CanaryPercentage, cfg.StablePercentage)
	return ps
}

func (ps policies) decide(s *traceSummary, r sampling.Randomness) decision {
	for _, p := range ps.rules {
		if d, ok := p.decide(s, r); ok {
			return d
		}
	}
	d, _ := ps.last.decide(s, r)
	return d
}
