package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/internal/sampling"
)

// samplingConfig puts canary_sampling between the OTLP receiver and an OTLP
// exporter to the test's sink, with the batch processor after it as in
// production.
const samplingConfig = `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:%d"}
processors:
  canary_sampling:
    decision_wait: %s
    canary_percentage: 100
    stable_percentage: 10
    keep_errors: true
  batch:
    send_batch_max_size: 8192
exporters:
  otlp_grpc:
    endpoint: "%s"
    tls: {insecure: true}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [canary_sampling, batch], exporters: [otlp_grpc]}
`

// TestDistributionSamplesCanaryTracesWithTheirProbability checks issue 3's
// promise in the built binary: every canary trace and every error trace is
// kept whole with th "0" (p = 1), stable traces are kept exactly when their
// trace-ID randomness clears the 10% threshold, with that threshold written on
// each of their spans, and nothing buffered is lost at shutdown.
//
// With decision_wait far longer than the test every decision is made by the
// shutdown flush; with a short one, live, and the test stops the collector
// once every expected span has arrived.
func TestDistributionSamplesCanaryTracesWithTheirProbability(t *testing.T) {
	for _, tc := range []struct {
		name, wait string
		live       bool
	}{{"decided at shutdown", "10m", false}, {"decided live", "1s", true}} {
		t.Run(tc.name, func(t *testing.T) { testSampling(t, tc.wait, tc.live) })
	}
}

func testSampling(t *testing.T, decisionWait string, live bool) {
	out := startSink(t)
	port := freePort(t)
	col := startCollector(t, fmt.Sprintf(samplingConfig, port, decisionWait, out.addr))
	sent, _ := sendScenario(t, "error-regression", fmt.Sprintf("127.0.0.1:%d", port), 3*time.Minute, 11)
	if live {
		out.awaitSpans(t, expectedKeptSpans(t, sent), 60*time.Second)
	}
	col.stop(t)

	stableTh, err := sampling.ProbabilityToThreshold(0.10)
	require.NoError(t, err)
	sentFacts := factsByTrace(sent)

	received := map[[16]byte]int{}
	var wrongTh []string
	out.spans(func(_, _ map[string]any, sp ptrace.Span) {
		id := [16]byte(sp.TraceID())
		received[id]++
		f := sentFacts[id]
		if f == nil {
			wrongTh = append(wrongTh, "span of a trace that was never sent: "+traceIDString(id))
			return
		}
		want := stableTh
		if f.canary || f.errored {
			want = sampling.AlwaysSample
		}
		ts, err := sampling.ParseTraceState(sp.TraceState().AsRaw())
		th, ok := ts.Threshold()
		if err != nil || !ok || th != want {
			wrongTh = append(wrongTh, fmt.Sprintf("trace %s: tracestate %q, want th %s", traceIDString(id), sp.TraceState().AsRaw(), want.Hex()))
		}
	})
	assert.Empty(t, wrongTh, "kept spans carry the th of their trace's decision")

	var canary, errored, stable, stableKept, missing int
	for id, f := range sentFacts {
		keep := f.canary || f.errored || stableTh.ShouldSample(sampling.RandomnessFromTraceID(id))
		switch {
		case f.canary:
			canary++
		case f.errored:
			errored++
		default:
			stable++
			if keep {
				stableKept++
			}
		}
		if keep && received[id] != f.spans {
			missing++
		}
		if !keep && received[id] != 0 {
			t.Errorf("trace %s (stable, no error, randomness below th) was kept", traceIDString(id))
		}
	}
	assert.Zero(t, missing, "kept traces that did not arrive whole")
	require.Positive(t, canary)
	require.Positive(t, errored)
	// The exact set above already pins the share; this states it.
	share := float64(stableKept) / float64(stable)
	assert.InDelta(t, 0.10, share, 0.02, "stable kept share over %d traces", stable)
	t.Logf("sent %d traces: %d canary (all kept), %d stable with errors (all kept), %d stable of which %d kept (%.1f%%)",
		len(sentFacts), canary, errored, stable, stableKept, 100*share)
}

// expectedKeptSpans is the number of spans the sampler must forward.
func expectedKeptSpans(t *testing.T, sent ptrace.Traces) int {
	t.Helper()
	stableTh, err := sampling.ProbabilityToThreshold(0.10)
	require.NoError(t, err)
	n := 0
	for id, f := range factsByTrace(sent) {
		if f.canary || f.errored || stableTh.ShouldSample(sampling.RandomnessFromTraceID(id)) {
			n += f.spans
		}
	}
	return n
}
