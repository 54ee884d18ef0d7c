package canaryanalysisconnector

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector/internal/metadata"
)

// benchBatch is 1,000 spans from four pods: canary and stable checkout,
// inventory called from both (stage in baggage), and payment; ten
// operations; stable spans sampled at p = 1/10 (th in tracestate), canary
// kept at p = 1; 2% errors.
func benchBatch(end time.Time) ptrace.Traces {
	td := ptrace.NewTraces()
	pods := []struct{ service, version, stage, tracestate string }{
		{"checkout", "1.4", "canary", ""},
		{"checkout", "1.3", "stable", "ot=th:e666666666666"},
		{"inventory", "2.0", "stable", "ot=th:e666666666666"},
		{"payment", "7", "stable", "ot=th:e666666666666"},
	}
	n := 0
	for _, p := range pods {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", p.service)
		rs.Resource().Attributes().PutStr("service.version", p.version)
		rs.Resource().Attributes().PutStr("deployment.stage", p.stage)
		rs.Resource().Attributes().PutStr("host.name", "pod-"+p.service)
		spans := rs.ScopeSpans().AppendEmpty().Spans()
		for i := 0; i < 250; i++ {
			n++
			sp := spans.AppendEmpty()
			sp.SetName(fmt.Sprintf("op-%d", i%10))
			sp.SetKind(ptrace.SpanKindServer)
			sp.SetTraceID(pcommon.TraceID{0: byte(n), 1: byte(n >> 8), 15: byte(i)})
			sp.SetSpanID(pcommon.SpanID{0: byte(i)})
			sp.SetStartTimestamp(pcommon.NewTimestampFromTime(end.Add(-time.Duration(1+i%50) * time.Millisecond)))
			sp.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
			sp.TraceState().FromRaw(p.tracestate)
			sp.Attributes().PutStr("http.request.method", "GET")
			sp.Attributes().PutInt("http.response.status_code", 200)
			stage := "stable"
			if i%20 == 0 {
				stage = "canary"
			}
			if p.stage == "canary" {
				stage = "canary"
			}
			sp.Attributes().PutStr("deployment.stage", stage)
			if i%50 == 0 {
				sp.Status().SetCode(ptrace.StatusCodeError)
			}
		}
	}
	return td
}

// BenchmarkConsumeTraces reports the cost per span of a steady stream: each
// batch ends 100 ms of span time after the previous one, so a step is
// judged (gauges, verdicts, user metrics, evidence export) every 100
// batches, amortised as it is in a live collector. "span-time" follows span
// time only (backtest); "live" also reads the wall clock, as a collector
// does, with span time ending in the recent past.
func BenchmarkConsumeTraces(b *testing.B) {
	b.Run("span-time", func(b *testing.B) { benchmarkConsumeTraces(b, t0, nil) })
	// Ten minutes of span time per 6,000 batches, starting 50 minutes back:
	// within the hour a live collector judges as a backlog.
	b.Run("live", func(b *testing.B) { benchmarkConsumeTraces(b, time.Now().Add(-50*time.Minute), time.Now) })
}

func benchmarkConsumeTraces(b *testing.B, start time.Time, now func() time.Time) {
	c, err := newConnector(connectortest.NewNopSettings(metadata.Type), *createDefaultConfig().(*Config), consumertest.NewNop(), now)
	require.NoError(b, err)
	batches := make([]ptrace.Traces, 200)
	for i := range batches {
		batches[i] = benchBatch(start.Add(time.Duration(i) * 100 * time.Millisecond))
	}
	spans := batches[0].SpanCount()
	ctx := context.Background()
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if i == len(batches) {
			// Move the recording on in span time, outside the measurement.
			b.StopTimer()
			shift(batches, time.Duration(len(batches))*100*time.Millisecond)
			i = 0
			b.StartTimer()
		}
		if err := c.ConsumeTraces(ctx, batches[i]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spans), "ns/span")
	// CPU time, unlike wall time, does not grow when other work shares the
	// machine; it includes the few shifts of the recording between rounds.
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*spans), "cpu-ns/span")
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func shift(batches []ptrace.Traces, d time.Duration) {
	for _, td := range batches {
		rss := td.ResourceSpans()
		for i := 0; i < rss.Len(); i++ {
			spans := rss.At(i).ScopeSpans().At(0).Spans()
			for j := 0; j < spans.Len(); j++ {
				sp := spans.At(j)
				sp.SetStartTimestamp(sp.StartTimestamp() + pcommon.Timestamp(d))
				sp.SetEndTimestamp(sp.EndTimestamp() + pcommon.Timestamp(d))
			}
		}
	}
}
