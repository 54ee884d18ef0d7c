package traffic

import (
	"context"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

type exporter = sdktrace.SpanExporter

var testStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// loadScenario reads one of the repository's scenarios.
func loadScenario(tb testing.TB, name string) *Scenario {
	tb.Helper()
	sc, err := LoadScenario(filepath.Join("..", "..", "testdata", "scenarios", name))
	if err != nil {
		tb.Fatal(err)
	}
	return sc
}

// row is one generated span, flattened from pdata so that tests read what an
// OTLP receiver would see.
type row struct {
	trace       pcommon.TraceID
	span        pcommon.SpanID
	parent      pcommon.SpanID
	service     string
	version     string
	resStage    string
	attrStage   string // "" when the span has no deployment.stage attribute
	name        string
	kind        ptrace.SpanKind
	start, end  time.Time
	failed      bool
	traceState  string
	resAttrKeys int
	status      int64 // http.response.status_code, 0 when absent
}

func (r row) duration() time.Duration { return r.end.Sub(r.start) }

// capture is an exporter that keeps everything it is given as rows.
type capture struct {
	mu      sync.Mutex
	rows    []row
	batches int
}

func (c *capture) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	rows := flatten(SpansToTraces(spans))
	c.mu.Lock()
	c.rows = append(c.rows, rows...)
	c.batches++
	c.mu.Unlock()
	return nil
}

func (c *capture) Shutdown(context.Context) error { return nil }

func flatten(td ptrace.Traces) []row {
	var out []row
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		res := rs.Resource().Attributes()
		str := func(m pcommon.Map, k string) string {
			if v, ok := m.Get(k); ok {
				return v.AsString()
			}
			return ""
		}
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			spans := rs.ScopeSpans().At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				s := spans.At(k)
				r := row{
					trace: s.TraceID(), span: s.SpanID(), parent: s.ParentSpanID(),
					service: str(res, "service.name"), version: str(res, "service.version"),
					resStage: str(res, StageKey), attrStage: str(s.Attributes(), StageKey),
					name: s.Name(), kind: s.Kind(),
					start: s.StartTimestamp().AsTime(), end: s.EndTimestamp().AsTime(),
					failed:      s.Status().Code() == ptrace.StatusCodeError,
					traceState:  s.TraceState().AsRaw(),
					resAttrKeys: res.Len(),
				}
				if v, ok := s.Attributes().Get("http.response.status_code"); ok {
					r.status = v.Int()
				}
				out = append(out, r)
			}
		}
	}
	return out
}

// generate runs a scenario with a simulated clock into a capture.
func generate(tb testing.TB, sc *Scenario, seed uint64) ([]row, Summary) {
	tb.Helper()
	c := &capture{}
	sum, err := Run(context.Background(), Config{Scenario: sc, Exporter: c, Seed: seed, SimulatedClock: true, Start: testStart})
	if err != nil {
		tb.Fatal(err)
	}
	return c.rows, sum
}

// traces groups rows by trace ID.
func traces(rows []row) map[pcommon.TraceID][]row {
	m := map[pcommon.TraceID][]row{}
	for _, r := range rows {
		m[r.trace] = append(m[r.trace], r)
	}
	return m
}

// quantile is the empirical quantile (nearest rank) of ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(q*float64(len(s))+0.5) - 1
	if i < 0 {
		i = 0
	}
	return s[i]
}

func ptr[T any](v T) *T { return &v }
