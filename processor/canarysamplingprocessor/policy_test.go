package canarysamplingprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canarytrace/canarytrace/internal/sampling"
	"github.com/canarytrace/canarytrace/internal/stage"
)

func threshold(t *testing.T, hex string) sampling.Threshold {
	t.Helper()
	th, err := sampling.ParseThreshold(hex)
	require.NoError(t, err)
	return th
}

func randomness(u uint64) sampling.Randomness {
	r, _ := sampling.RandomnessFromUnsigned(u)
	return r
}

func TestPolicies(t *testing.T) {
	cfg := testConfig()
	cfg.CanaryPercentage = 50
	cfg.StablePercentage = 25
	cfg.KeepSlowerThan = 1000
	ps := newPolicies(cfg)
	const half, quarter = 1 << 55, 3 << 54 // thresholds of p = 0.5 and 0.25
	tests := []struct {
		name    string
		summary traceSummary
		r       uint64
		want    decision
	}{
		{"error wins over everything", traceSummary{arm: stage.Stable, hasError: true, maxDuration: 5000}, 0,
			decision{keep: true, reason: reasonError, threshold: sampling.AlwaysSample}},
		{"error keeps the upstream th", traceSummary{hasError: true, upstream: threshold(t, "8")}, 0,
			decision{keep: true, reason: reasonError, threshold: threshold(t, "8")}},
		{"slow", traceSummary{arm: stage.Canary, maxDuration: 1000}, 0,
			decision{keep: true, reason: reasonSlow, threshold: sampling.AlwaysSample}},
		{"canary kept", traceSummary{arm: stage.Canary, maxDuration: 999}, half,
			decision{keep: true, reason: reasonCanary, threshold: threshold(t, "8")}},
		{"canary dropped", traceSummary{arm: stage.Canary}, half - 1,
			decision{keep: false, reason: reasonCanary, threshold: threshold(t, "8")}},
		{"stable kept", traceSummary{arm: stage.Stable}, quarter,
			decision{keep: true, reason: reasonStable, threshold: threshold(t, "c")}},
		{"stable dropped", traceSummary{arm: stage.Stable}, quarter - 1,
			decision{keep: false, reason: reasonStable, threshold: threshold(t, "c")}},
		{"no arm is sampled as stable", traceSummary{arm: stage.None}, quarter,
			decision{keep: true, reason: reasonStable, threshold: threshold(t, "c")}},
		// Upstream kept half (th 8); canary keeps half of that: th c.
		{"canary composed with upstream", traceSummary{arm: stage.Canary, upstream: threshold(t, "8")}, quarter,
			decision{keep: true, reason: reasonCanary, threshold: threshold(t, "c")}},
		{"canary composed with upstream, dropped", traceSummary{arm: stage.Canary, upstream: threshold(t, "8")}, quarter - 1,
			decision{keep: false, reason: reasonCanary, threshold: threshold(t, "c")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ps.decide(&tt.summary, randomness(tt.r)))
		})
	}
}

func TestPoliciesWithoutErrorAndSlowRules(t *testing.T) {
	cfg := testConfig()
	cfg.KeepErrors = false
	cfg.StablePercentage = 0
	ps := newPolicies(cfg)
	d := ps.decide(&traceSummary{arm: stage.Stable, hasError: true, maxDuration: 1e12}, randomness(1<<56-1))
	assert.Equal(t, decision{keep: false, reason: reasonStable, threshold: sampling.NeverSample}, d)
}
