package canarysamplingprocessor

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/internal/stage"
	"github.com/canarytrace/canarytrace/processor/canarysamplingprocessor/internal/metadatatest"
)

// testSampler is a processor with a hand-driven clock and a sink.
type testSampler struct {
	*canarySampler
	sink *consumertest.TracesSink
	tel  *componenttest.Telemetry
	now  int64
}

func newTestSampler(t testing.TB, cfg *Config) *testSampler {
	t.Helper()
	require.NoError(t, cfg.Validate())
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	sink := new(consumertest.TracesSink)
	p, err := newCanarySampler(metadatatest.NewSettings(tel), cfg, sink)
	require.NoError(t, err)
	ts := &testSampler{canarySampler: p, sink: sink, tel: tel}
	p.clock = func() int64 { return ts.now }
	return ts
}

func (ts *testSampler) consume(t testing.TB, td ptrace.Traces) {
	t.Helper()
	require.NoError(t, ts.ConsumeTraces(context.Background(), td))
}

// advance moves the clock and runs the decisions a tick would.
func (ts *testSampler) advance(d int64) {
	ts.now += d
	ts.decideExpired(context.Background(), ts.now)
}

// keptSpans returns every forwarded span, keyed by span ID.
func (ts *testSampler) keptSpans() map[pcommon.SpanID]ptrace.Span {
	out := map[pcommon.SpanID]ptrace.Span{}
	for _, td := range ts.sink.AllTraces() {
		forEachSpan(td, func(_ ptrace.ResourceSpans, s ptrace.Span) { out[s.SpanID()] = s })
	}
	return out
}

func forEachSpan(td ptrace.Traces, f func(rs ptrace.ResourceSpans, s ptrace.Span)) {
	for i := range td.ResourceSpans().Len() {
		rs := td.ResourceSpans().At(i)
		for j := range rs.ScopeSpans().Len() {
			spans := rs.ScopeSpans().At(j).Spans()
			for k := range spans.Len() {
				f(rs, spans.At(k))
			}
		}
	}
}

func testConfig() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.DecisionWait = 10_000_000_000 // 10s of the fake clock
	return cfg
}

// traceID builds a trace ID whose randomness (rightmost 7 bytes) is r.
func traceID(hi uint64, r uint64) pcommon.TraceID {
	var id pcommon.TraceID
	binary.BigEndian.PutUint64(id[:8], hi)
	binary.BigEndian.PutUint64(id[8:], r&(1<<56-1))
	return id
}

// spanSpec describes one test span.
type spanSpec struct {
	trace      pcommon.TraceID
	id         uint64
	parent     uint64 // 0: root
	resStage   string // resource deployment.stage ("" none)
	spanStage  string // span attribute deployment.stage ("" none)
	err        bool
	duration   int64
	traceState string
}

// tracesOf puts each spec in its own ResourceSpans, under a resource with
// the spec's stage.
func tracesOf(specs ...spanSpec) ptrace.Traces {
	td := ptrace.NewTraces()
	for _, sp := range specs {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", "svc")
		if sp.resStage != "" {
			rs.Resource().Attributes().PutStr(stage.DefaultAttribute, sp.resStage)
		}
		ss := rs.ScopeSpans().AppendEmpty()
		ss.Scope().SetName("test")
		s := ss.Spans().AppendEmpty()
		s.SetTraceID(sp.trace)
		s.SetSpanID(spanID(sp.id))
		if sp.parent != 0 {
			s.SetParentSpanID(spanID(sp.parent))
		}
		s.SetName(fmt.Sprintf("op-%d", sp.id))
		s.SetStartTimestamp(1_000)
		s.SetEndTimestamp(pcommon.Timestamp(1_000 + sp.duration))
		if sp.spanStage != "" {
			s.Attributes().PutStr(stage.DefaultAttribute, sp.spanStage)
		}
		if sp.err {
			s.Status().SetCode(ptrace.StatusCodeError)
		}
		s.TraceState().FromRaw(sp.traceState)
	}
	return td
}

func spanID(n uint64) pcommon.SpanID {
	var id pcommon.SpanID
	binary.BigEndian.PutUint64(id[:], n)
	return id
}

// sdkLikeSpan fills s like an instrumented HTTP service would.
func sdkLikeSpan(s ptrace.Span, trace, span uint64, canary, failed bool) {
	s.SetTraceID(traceID(trace*0x9E3779B97F4A7C15, trace*0xBF58476D1CE4E5B9))
	s.SetSpanID(spanID(trace<<8 | span))
	if span > 0 {
		s.SetParentSpanID(spanID(trace<<8 | (span - 1)))
	}
	s.SetName([...]string{"GET /api/users/{id}", "db:SELECT users", "GET /api/inventory", "cache:GET"}[span%4])
	s.SetKind(ptrace.SpanKind(1 + span%3))
	s.SetStartTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000 + trace*1_000_000))
	s.SetEndTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000 + trace*1_000_000 + 2_000_000 + span*37_000))
	a := s.Attributes()
	a.PutStr("http.request.method", "GET")
	a.PutStr("http.route", "/api/users/{id}")
	a.PutInt("http.response.status_code", 200)
	a.PutStr("url.path", fmt.Sprintf("/api/users/%d", trace%100_000))
	a.PutStr("server.address", "users.svc.cluster.local")
	a.PutStr("network.protocol.version", "1.1")
	if canary {
		a.PutStr(stage.DefaultAttribute, "canary")
	} else {
		a.PutStr(stage.DefaultAttribute, "stable")
	}
	if failed {
		s.Status().SetCode(ptrace.StatusCodeError)
		s.Status().SetMessage("upstream unavailable")
	}
}

// generate streams the benchmark's traffic to emit: services each sending
// batches of up to 512 SDK-like spans, the spans of a trace spread over the
// services; 5% of traces canary, 0.5% with an error span. It returns the
// number of spans. The same seed gives the same traffic.
func generate(seed uint64, traces, services, spansPerTrace int, emit func(ptrace.Traces)) int {
	rng := rand.New(rand.NewPCG(seed, 0))
	open := make([]ptrace.Traces, services)
	n := 0
	for tr := range traces {
		canary := rng.Float64() < 0.05
		failed := rng.Float64() < 0.005
		for sp := range spansPerTrace {
			svc := sp % services
			if open[svc] == (ptrace.Traces{}) {
				open[svc] = newServiceBatch(svc)
			}
			spans := open[svc].ResourceSpans().At(0).ScopeSpans().At(0).Spans()
			sdkLikeSpan(spans.AppendEmpty(), uint64(tr)+seed<<32, uint64(sp), canary, failed && sp == spansPerTrace-1)
			n++
			if spans.Len() == 512 {
				emit(open[svc])
				open[svc] = ptrace.Traces{}
			}
		}
	}
	for _, td := range open {
		if td != (ptrace.Traces{}) {
			emit(td)
		}
	}
	return n
}

func newServiceBatch(svc int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	a := rs.Resource().Attributes()
	a.PutStr("service.name", fmt.Sprintf("service-%d", svc))
	a.PutStr("service.version", "1.4.0")
	a.PutStr("service.instance.id", fmt.Sprintf("pod-%d", svc))
	a.PutStr("host.name", fmt.Sprintf("node-%d", svc))
	a.PutStr("telemetry.sdk.language", "go")
	a.PutStr("telemetry.sdk.name", "opentelemetry")
	a.PutStr("telemetry.sdk.version", "1.47.0")
	a.PutStr(stage.DefaultAttribute, "stable")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp")
	ss.Scope().SetVersion("0.62.0")
	ss.Spans().EnsureCapacity(512)
	return td
}
