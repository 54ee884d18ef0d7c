package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import (
	"github.com/canarytrace/canarytrace/internal/sampling"
	"github.com/canarytrace/canarytrace/internal/stage"
)

// stagePolicy is the probabilistic rule: traces that touched canary code are
// kept with canary_percentage, all others with stable_percentage.
//
// The percentages are of the traces reaching this processor, so the
// threshold is the upstream one composed with the percentage (overall
// probability p_upstream · p). Keeping when R >= T' with the trace's own
// randomness R makes the decision the same on every instance and
// consistent with upstream: a trace that reached us has R >= T_upstream,
// and among those the share with R >= T' is exactly p.
type stagePolicy struct {
	canary, stable float64 // probabilities in [0, 1]
	// canaryAlone and stableAlone are the composed thresholds when nothing
	// upstream sampled, the common case, computed once.
	canaryAlone, stableAlone sampling.Threshold
}

func newStagePolicy(canaryPercentage, stablePercentage float64) stagePolicy {
	p := stagePolicy{canary: canaryPercentage / 100, stable: stablePercentage / 100}
	p.canaryAlone = p.threshold(sampling.AlwaysSample, p.canary)
	p.stableAlone = p.threshold(sampling.AlwaysSample, p.stable)
	return p
}

func (p stagePolicy) decide(s *traceSummary, r sampling.Randomness) (decision, bool) {
	d := decision{reason: reasonStable}
	share, alone := p.stable, p.stableAlone
	if s.arm == stage.Canary {
		d.reason, share, alone = reasonCanary, p.canary, p.canaryAlone
	}
	if s.upstream == sampling.AlwaysSample {
		d.threshold = alone
	} else {
		d.threshold = p.threshold(s.upstream, share)
	}
	d.keep = d.threshold.ShouldSample(r)
	return d, true
}

// threshold composes upstream with share. Config.Validate keeps share in
// [0, 1], the only error Compose reports.
func (stagePolicy) threshold(upstream sampling.Threshold, share float64) sampling.Threshold {
	t, err := upstream.Compose(share)
	if err != nil {
		return sampling.NeverSample
	}
	return t
}
