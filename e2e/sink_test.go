package e2e

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
)

// sink is an OTLP gRPC server on loopback that keeps what the collector
// exports to it, the way a tracing or metrics backend would receive it.
type sink struct {
	ptraceotlp.UnimplementedGRPCServer

	addr    string
	mu      sync.Mutex
	traces  []ptrace.Traces
	metrics []pmetric.Metrics
	arrived chan struct{} // signalled (non-blocking) on every request
}

func startSink(t *testing.T) *sink {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &sink{addr: l.Addr().String(), arrived: make(chan struct{}, 1)}
	srv := grpc.NewServer()
	ptraceotlp.RegisterGRPCServer(srv, s)
	pmetricotlp.RegisterGRPCServer(srv, &metricsServer{s: s})
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return s
}

func (s *sink) signal() {
	select {
	case s.arrived <- struct{}{}:
	default:
	}
}

func (s *sink) Export(_ context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	td := ptrace.NewTraces()
	req.Traces().CopyTo(td)
	s.mu.Lock()
	s.traces = append(s.traces, td)
	s.mu.Unlock()
	s.signal()
	return ptraceotlp.NewExportResponse(), nil
}

// metricsServer adapts the sink to the metrics service, whose Export method
// has the same name as the traces one.
type metricsServer struct {
	pmetricotlp.UnimplementedGRPCServer
	s *sink
}

func (m *metricsServer) Export(_ context.Context, req pmetricotlp.ExportRequest) (pmetricotlp.ExportResponse, error) {
	md := pmetric.NewMetrics()
	req.Metrics().CopyTo(md)
	m.s.mu.Lock()
	m.s.metrics = append(m.s.metrics, md)
	m.s.mu.Unlock()
	m.s.signal()
	return pmetricotlp.NewExportResponse(), nil
}

// spans calls f for every span received so far.
func (s *sink) spans(f func(res, span map[string]any, sp ptrace.Span)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, td := range s.traces {
		eachSpan(td, f)
	}
}

// awaitSpans waits until at least n spans have arrived, woken by each export.
func (s *sink) awaitSpans(t *testing.T, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got := 0
		for _, td := range s.traces {
			got += td.SpanCount()
		}
		s.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("%d of %d spans arrived within %s", got, n, timeout)
		}
	}
}
