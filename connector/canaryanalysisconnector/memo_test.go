package canaryanalysisconnector

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// byPod orders spans by pod ((service, version, stage), pods in order of
// first appearance), keeping each pod's spans in order.
func byPod(spans []span) []span {
	podOf := func(s span) string { return s.service + "|" + s.version + "|" + s.resStage }
	var order []string
	groups := map[string][]span{}
	for _, s := range spans {
		k := podOf(s)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], s)
	}
	var out []span
	for _, k := range order {
		out = append(out, groups[k]...)
	}
	return out
}

// pods puts consecutive spans of one pod in one resource, as a pod's
// exporter sends them: the shape in which the connector reuses a
// resource's attributions and operations from span to span.
func pods(spans ...span) ptrace.Traces {
	td := traces(spans...)
	out := ptrace.NewTraces()
	var dst ptrace.SpanSlice
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		if i == 0 || spans[i].service != spans[i-1].service || spans[i].version != spans[i-1].version || spans[i].resStage != spans[i-1].resStage {
			nrs := out.ResourceSpans().AppendEmpty()
			rs.Resource().CopyTo(nrs.Resource())
			dst = nrs.ScopeSpans().AppendEmpty().Spans()
		}
		rs.ScopeSpans().At(0).Spans().At(0).CopyTo(dst.AppendEmpty())
	}
	return out
}

// memoTraffic mixes, within each pod, span names that repeat under
// different kinds, every span stage form (none, canary, stable, a
// qualified release, an unknown value, present but empty), errors, and a canary run that
// starts in the middle of the stream: everything the per-resource memos
// key on or must notice.
func memoTraffic(seed uint64) []span {
	rng := rand.New(rand.NewPCG(seed, 9))
	type pod struct{ service, version, stage string }
	podsOf := []pod{{"checkout", "1.4", "stable"}, {"checkout", "1.5", "canary"}, {"inventory", "2.0", "stable"}, {"payment", "7", ""}}
	names := []string{"GET /stock", "POST /checkout", "db:SELECT"}
	kinds := []ptrace.SpanKind{ptrace.SpanKindServer, ptrace.SpanKindClient}
	stages := []string{"", "canary", "stable", "checkout@1.5", "preview", "(empty)"}
	var out []span
	for i := range 3000 {
		p := podsOf[rng.IntN(len(podsOf))]
		if p.stage == "canary" && i < 1000 {
			p = podsOf[0] // the canary run starts a third of the way in
		}
		st := stages[rng.IntN(len(stages))]
		out = append(out, span{
			service: p.service, version: p.version, resStage: p.stage,
			spanStage: strings.TrimSuffix(st, "(empty)"), emptySpanStage: st == "(empty)",
			name:     names[rng.IntN(len(names))],
			kind:     kinds[rng.IntN(len(kinds))],
			end:      time.Duration(i) * 40 * time.Millisecond,
			duration: time.Duration(1+rng.IntN(300)) * time.Millisecond,
			err:      rng.IntN(30) == 0,
			trace:    1 + i/4,
		})
	}
	return out
}

// TestPodBatchesCountLikeSingleSpans: the connector reuses, within one
// resource, the attribution of a span stage value and the operation of a
// span name and kind. Grouping the same spans per pod, in batches, must
// leave every call counted under the same operation and arm, and every
// verdict the same, as sending each span in a resource of its own.
func TestPodBatchesCountLikeSingleSpans(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		spans := memoTraffic(seed)
		run := func(batch func(...span) ptrace.Traces) (map[string]float64, []string) {
			h := newHarness(t, testConfig())
			for i := 0; i < len(spans); i += 250 {
				// The same order both ways: only the grouping differs.
				ordered := byPod(spans[i:min(i+250, len(spans))])
				require.NoError(t, h.replay.ConsumeTraces(t.Context(), batch(ordered...)))
			}
			h.flush()
			calls := map[string]float64{}
			for _, md := range h.sink.AllMetrics() {
				for k, v := range values(points(md, metricCalls)) {
					calls[k] = v // cumulative: the last point of each series
				}
			}
			var verdicts []string
			for _, v := range h.verdict {
				verdicts = append(verdicts, fmt.Sprintf("%d %s %s", v.Step, v.Verdict.Release(), v.Reason))
			}
			return calls, verdicts
		}
		singleCalls, singleVerdicts := run(traces)
		podCalls, podVerdicts := run(pods)
		require.NotEmpty(t, singleCalls)
		assert.Equal(t, singleCalls, podCalls, "seed %d", seed)
		assert.Equal(t, singleVerdicts, podVerdicts, "seed %d", seed)
		// The traffic reaches every memo path: both kinds of one name are
		// separate operations, and the canary arm is counted.
		assert.Contains(t, singleCalls, key("service.name", "inventory", "service.version", "2.0", "span.name", "GET /stock",
			"span.kind", "SPAN_KIND_CLIENT", "deployment.stage", "canary", "status", "ok"))
		assert.Contains(t, singleCalls, key("service.name", "inventory", "service.version", "2.0", "span.name", "GET /stock",
			"span.kind", "SPAN_KIND_SERVER", "deployment.stage", "canary", "status", "ok"))
	}
}
