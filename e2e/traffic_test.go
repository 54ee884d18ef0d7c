package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/canarytrace/canarytrace/internal/traffic"
)

// tee sends spans to an OTLP exporter and keeps a copy, so a test knows
// exactly what it sent.
type tee struct {
	sdktrace.SpanExporter
	mu   sync.Mutex
	sent []sdktrace.ReadOnlySpan
}

func (t *tee) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	t.mu.Lock()
	t.sent = append(t.sent, spans...)
	t.mu.Unlock()
	return t.SpanExporter.ExportSpans(ctx, spans)
}

// sendScenario replays a scenario from testdata/scenarios over OTLP gRPC with
// a simulated clock and returns what was sent, as pdata.
func sendScenario(t *testing.T, name, endpoint string, duration time.Duration, seed uint64) (ptrace.Traces, traffic.Summary) {
	t.Helper()
	sc, err := traffic.LoadScenario(filepath.Join(repoRoot(t), "testdata/scenarios", name+".yaml"))
	require.NoError(t, err)
	sc.Duration = duration
	exp, err := traffic.NewOTLPExporter(context.Background(), traffic.ProtocolGRPC, endpoint, traffic.OTLPOptions{})
	require.NoError(t, err)
	rec := &tee{SpanExporter: exp}
	sum, err := traffic.Run(context.Background(), traffic.Config{Scenario: sc, Exporter: rec, Seed: seed, SimulatedClock: true})
	require.NoError(t, err)
	require.NoError(t, exp.Shutdown(context.Background()))
	require.Zero(t, sum.FailedSpans, "export failures: %v", sum.LastExportError)
	return traffic.SpansToTraces(rec.sent), sum
}

// traceFacts is what a tail sampler may base its decision on.
type traceFacts struct {
	spans   int
	canary  bool // some span's resource or span-attribute stage is canary
	errored bool
}

func factsByTrace(td ptrace.Traces) map[[16]byte]*traceFacts {
	out := map[[16]byte]*traceFacts{}
	eachSpan(td, func(res, attrs map[string]any, sp ptrace.Span) {
		id := [16]byte(sp.TraceID())
		f := out[id]
		if f == nil {
			f = &traceFacts{}
			out[id] = f
		}
		f.spans++
		if res["deployment.stage"] == "canary" || attrs["deployment.stage"] == "canary" {
			f.canary = true
		}
		if sp.Status().Code() == ptrace.StatusCodeError {
			f.errored = true
		}
	})
	return out
}

func eachSpan(td ptrace.Traces, f func(res, attrs map[string]any, sp ptrace.Span)) {
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		res := rs.Resource().Attributes().AsRaw()
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j).Spans()
			for k := 0; k < ss.Len(); k++ {
				f(res, ss.At(k).Attributes().AsRaw(), ss.At(k))
			}
		}
	}
}

func traceIDString(id [16]byte) string { return fmt.Sprintf("%x", id[:]) }
