package canaryanalysisconnector

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector/internal/metadatatest"
	"github.com/canarytrace/canarytrace/internal/judge"
)

// t0 is a step boundary for 10s intervals.
var t0 = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)

// span describes one test span; a zero duration means 100ms.
type span struct {
	service, version, resStage, spanStage string
	name                                  string
	kind                                  ptrace.SpanKind
	end                                   time.Duration // after t0
	duration                              time.Duration
	err                                   bool
	httpStatus                            int64
	tracestate                            string
	trace                                 int
	// emptySpanStage puts the stage attribute on the span with an empty
	// value (spanStage "" leaves it off).
	emptySpanStage bool
}

// traces puts each span in its own resource, as several pods would send.
func traces(spans ...span) ptrace.Traces {
	td := ptrace.NewTraces()
	for _, s := range spans {
		rs := td.ResourceSpans().AppendEmpty()
		attrs := rs.Resource().Attributes()
		attrs.PutStr("service.name", s.service)
		attrs.PutStr("service.version", s.version)
		if s.resStage != "" {
			attrs.PutStr("deployment.stage", s.resStage)
		}
		sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		sp.SetName(s.name)
		sp.SetKind(s.kind)
		d := s.duration
		if d == 0 {
			d = 100 * time.Millisecond
		}
		end := t0.Add(s.end)
		sp.SetStartTimestamp(pcommon.NewTimestampFromTime(end.Add(-d)))
		sp.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
		sp.SetTraceID(pcommon.TraceID{0: 1, 12: byte(s.trace >> 24), 13: byte(s.trace >> 16), 14: byte(s.trace >> 8), 15: byte(s.trace)})
		if s.spanStage != "" || s.emptySpanStage {
			sp.Attributes().PutStr("deployment.stage", s.spanStage)
		}
		if s.err {
			sp.Status().SetCode(ptrace.StatusCodeError)
		}
		if s.httpStatus != 0 {
			sp.Attributes().PutInt("http.response.status_code", s.httpStatus)
		}
		sp.TraceState().FromRaw(s.tracestate)
	}
	return td
}

// repeat returns n copies of s with traces 1..n.
func repeat(n int, s span) []span {
	out := make([]span, n)
	for i := range out {
		out[i] = s
		out[i].trace = i + 1
	}
	return out
}

// point is one data point, flattened for assertions.
type point struct {
	attrs string // sorted k=v pairs
	value float64
	count uint64 // histograms
	sum   float64
	start time.Time
	end   time.Time
}

// points returns every data point of the named metric in md, keyed by its
// attributes.
func points(md pmetric.Metrics, name string) map[string]point {
	out := map[string]point{}
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				if m.Name() != name {
					continue
				}
				switch m.Type() {
				case pmetric.MetricTypeGauge:
					addNumbers(out, m.Gauge().DataPoints())
				case pmetric.MetricTypeSum:
					addNumbers(out, m.Sum().DataPoints())
				case pmetric.MetricTypeExponentialHistogram:
					dps := m.ExponentialHistogram().DataPoints()
					for d := 0; d < dps.Len(); d++ {
						dp := dps.At(d)
						out[attrString(dp.Attributes())] = point{attrs: attrString(dp.Attributes()), count: dp.Count(), sum: dp.Sum(),
							start: dp.StartTimestamp().AsTime(), end: dp.Timestamp().AsTime()}
					}
				}
			}
		}
	}
	return out
}

func addNumbers(out map[string]point, dps pmetric.NumberDataPointSlice) {
	for d := 0; d < dps.Len(); d++ {
		dp := dps.At(d)
		v := dp.DoubleValue()
		if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
			v = float64(dp.IntValue())
		}
		key := attrString(dp.Attributes())
		out[key] = point{attrs: key, value: v, start: dp.StartTimestamp().AsTime(), end: dp.Timestamp().AsTime()}
	}
}

func attrString(m pcommon.Map) string {
	var parts []string
	m.Range(func(k string, v pcommon.Value) bool {
		parts = append(parts, k+"="+v.AsString())
		return true
	})
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// values maps attribute strings to values, for exact comparison.
func values(ps map[string]point) map[string]float64 {
	out := make(map[string]float64, len(ps))
	for k, p := range ps {
		out[k] = p.value
	}
	return out
}

// harness is a span-time connector feeding a sink, with telemetry.
type harness struct {
	t       *testing.T
	tel     *componenttest.Telemetry
	sink    *consumertest.MetricsSink
	replay  *Replay
	verdict []judge.ReleaseVerdict
}

func newHarness(t *testing.T, cfg *Config) *harness {
	h := &harness{t: t, tel: componenttest.NewTelemetry(), sink: new(consumertest.MetricsSink)}
	t.Cleanup(func() { require.NoError(t, h.tel.Shutdown(context.Background())) })
	r, err := NewReplay(metadatatest.NewSettings(h.tel), cfg, h.sink, func(v judge.ReleaseVerdict) { h.verdict = append(h.verdict, v) })
	require.NoError(t, err)
	h.replay = r
	t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })
	return h
}

func (h *harness) send(spans ...span) {
	require.NoError(h.t, h.replay.ConsumeTraces(context.Background(), traces(spans...)))
}

func (h *harness) flush() {
	require.NoError(h.t, h.replay.Flush(context.Background()))
}

// last returns the last metrics sent.
func (h *harness) last() pmetric.Metrics {
	all := h.sink.AllMetrics()
	require.NotEmpty(h.t, all)
	return all[len(all)-1]
}

func testConfig() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.AllowedLateness = 5 * time.Second
	cfg.Window = time.Minute
	return cfg
}

func key(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, fmt.Sprintf("%s=%s", kv[i], kv[i+1]))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}
