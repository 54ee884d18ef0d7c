package canarysamplingprocessor

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// FuzzConsumeTraces sends arbitrary OTLP batches through a processor that
// keeps everything it may, and checks the buffered form's promise: every
// span comes out at most once, identical to what went in but for its
// tracestate; a trace comes out whole or not at all; and a trace with no
// th anywhere (kept with p = 1) comes out. Traces carrying a th may be
// dropped when their randomness is below it. The seed corpus
// (testdata/fuzz/FuzzConsumeTraces) holds encoded batches.
func FuzzConsumeTraces(f *testing.F) {
	var m ptrace.ProtoMarshaler
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	putAllTypes(rs.Resource().Attributes())
	fullSpan(rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty())
	b, err := m.MarshalTraces(td)
	require.NoError(f, err)
	f.Add(b)
	b, err = m.MarshalTraces(tracesOf(
		spanSpec{trace: traceID(1, 1), id: 1, resStage: "canary"},
		spanSpec{trace: traceID(1, 1), id: 2, parent: 1, spanStage: "stable", err: true, traceState: "ot=th:8"},
		spanSpec{trace: traceID(2, 1<<55), id: 3, traceState: "ot=th:8"},
	))
	require.NoError(f, err)
	f.Add(b)

	f.Fuzz(func(t *testing.T, data []byte) { checkBatchSurvives(t, data) })
}

// TestMutatedBatchesSurvive checks FuzzConsumeTraces's property on 500
// random mutations (1–4 bytes overwritten) of its richest seed, seed 1, so
// that plain `go test` covers more than the seed corpus.
func TestMutatedBatchesSurvive(t *testing.T) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	putAllTypes(rs.Resource().Attributes())
	fullSpan(rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty())
	seed, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 0))
	checked := 0
	for range 500 {
		b := append([]byte(nil), seed...)
		for range 1 + rng.IntN(4) {
			b[rng.IntN(len(b))] = byte(rng.Uint32())
		}
		if checkBatchSurvives(t, b) {
			checked++
		}
	}
	t.Logf("%d of 500 mutations were valid OTLP with spans", checked)
	require.Greater(t, checked, 100, "too few valid mutations to mean anything")
}

// checkBatchSurvives runs the property on one encoded batch; false when
// data is not OTLP or holds no span.
func checkBatchSurvives(t *testing.T, data []byte) bool {
	in, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(data)
	if err != nil || in.SpanCount() == 0 {
		return false
	}
	cfg := testConfig()
	cfg.StablePercentage, cfg.KeepErrors = 100, false
	p := newTestSampler(t, cfg)
	p.consume(t, in)
	p.advance(wait)

	want, sampled := spanFingerprints(t, in)
	got := map[pcommon.TraceID]map[string]int{}
	for _, out := range p.sink.AllTraces() {
		spans, _ := spanFingerprints(t, out)
		for id, prints := range spans {
			if got[id] == nil {
				got[id] = map[string]int{}
			}
			for k, n := range prints {
				got[id][k] += n
			}
		}
	}
	for id, prints := range got {
		require.Equal(t, want[id], prints, "trace %v", id)
	}
	for id, prints := range want {
		if !sampled[id] {
			require.Equal(t, prints, got[id], "trace %v without th", id)
		}
	}
	return true
}

// spanFingerprints counts each trace's spans by their JSON encoding with
// the tracestate cleared, together with their resource and scope; sampled
// marks traces with a span whose tracestate mentions th.
func spanFingerprints(t *testing.T, td ptrace.Traces) (map[pcommon.TraceID]map[string]int, map[pcommon.TraceID]bool) {
	out := map[pcommon.TraceID]map[string]int{}
	sampled := map[pcommon.TraceID]bool{}
	for i := range td.ResourceSpans().Len() {
		rs := td.ResourceSpans().At(i)
		for j := range rs.ScopeSpans().Len() {
			ss := rs.ScopeSpans().At(j)
			for k := range ss.Spans().Len() {
				one := ptrace.NewTraces()
				ors := one.ResourceSpans().AppendEmpty()
				rs.Resource().CopyTo(ors.Resource())
				ors.SetSchemaUrl(rs.SchemaUrl())
				oss := ors.ScopeSpans().AppendEmpty()
				ss.Scope().CopyTo(oss.Scope())
				oss.SetSchemaUrl(ss.SchemaUrl())
				s := oss.Spans().AppendEmpty()
				ss.Spans().At(k).CopyTo(s)
				if strings.Contains(s.TraceState().AsRaw(), "th:") {
					sampled[s.TraceID()] = true
				}
				s.TraceState().FromRaw("")
				b, err := (&ptrace.JSONMarshaler{}).MarshalTraces(one)
				require.NoError(t, err)
				if out[s.TraceID()] == nil {
					out[s.TraceID()] = map[string]int{}
				}
				out[s.TraceID()][string(b)]++
			}
		}
	}
	return out, sampled
}
