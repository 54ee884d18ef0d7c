package canaryanalysisconnector

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canarytrace/canarytrace/internal/judge"
)

// sampledTraffic sends seconds of checkout traffic (canary 2/s, stable
// 20/s, each call also an inventory span) either whole or as a tail sampler
// after it would keep it: canary traces and error traces with p = 1 (no th),
// other stable traces with p = 1/4 (th:c) on the same draws. Seed fixed.
func sampledTraffic(h *harness, seconds int, canaryErr float64, sampled bool) {
	rng := rand.New(rand.NewPCG(11, 3))
	trace := 0
	for sec := 0; sec < seconds; sec++ {
		var spans []span
		for i := 0; i < 22; i++ {
			trace++
			stage, version, errRate := "stable", "1.3", 0.01
			if i < 2 {
				stage, version, errRate = "canary", "1.4", canaryErr
			}
			end := time.Duration(sec)*time.Second + time.Duration(rng.IntN(1000))*time.Millisecond
			isErr := rng.Float64() < errRate
			keep := rng.IntN(4) == 0
			ts := ""
			if sampled && stage == "stable" && !isErr {
				if !keep {
					continue
				}
				ts = "ot=th:c"
			}
			spans = append(spans,
				span{service: "checkout", version: version, resStage: stage, spanStage: stage, name: "POST /checkout", kind: server, end: end, trace: trace, err: isErr, tracestate: ts},
				span{service: "inventory", version: "2.0", resStage: "stable", spanStage: stage, name: "GET /stock", kind: server, end: end, trace: trace, tracestate: ts, duration: 20 * time.Millisecond},
			)
		}
		h.send(spans...)
	}
	h.flush()
}

func finalVerdict(t *testing.T, canaryErr float64, sampled bool) judge.ReleaseVerdict {
	cfg := testConfig()
	cfg.MinSamples = 50
	h := newHarness(t, cfg)
	sampledTraffic(h, 600, canaryErr, sampled)
	require.NotEmpty(t, h.verdict)
	return h.verdict[len(h.verdict)-1]
}

// Beside the sampler (every span) and after it (kept spans weighted by
// their adjusted counts) the connector reaches the same verdict: here a
// canary at 5x stable's error rate rolls back either way, and a healthy one
// does not.
func TestSameVerdictBesideAndAfterTheSampler(t *testing.T) {
	for _, tt := range []struct {
		name      string
		canaryErr float64
		want      judge.Verdict
	}{
		{"regression", 0.05, judge.Fail},
		{"healthy", 0.01, judge.Inconclusive},
	} {
		t.Run(tt.name, func(t *testing.T) {
			all := finalVerdict(t, tt.canaryErr, false)
			kept := finalVerdict(t, tt.canaryErr, true)
			if tt.want == judge.Fail {
				assert.Equal(t, judge.Fail, all.Verdict, all.Reason)
				assert.Equal(t, judge.Fail, kept.Verdict, kept.Reason)
			} else {
				assert.NotEqual(t, judge.Fail, all.Verdict, all.Reason)
				assert.NotEqual(t, judge.Fail, kept.Verdict, kept.Reason)
			}
		})
	}
}
