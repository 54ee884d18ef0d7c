package traffic

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
)

// receiver keeps what arrives over OTLP, as rows.
type receiver struct {
	ptraceotlp.UnimplementedGRPCServer
	mu   sync.Mutex
	rows []row
}

func (r *receiver) add(td ptrace.Traces) {
	r.mu.Lock()
	r.rows = append(r.rows, flatten(td)...)
	r.mu.Unlock()
}

func (r *receiver) Export(_ context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	r.add(req.Traces())
	return ptraceotlp.NewExportResponse(), nil
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil || req.URL.Path != "/v1/traces" || req.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	er := ptraceotlp.NewExportRequest()
	if err := er.UnmarshalProto(body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.add(er.Traces())
	out, _ := ptraceotlp.NewExportResponse().MarshalProto()
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestSendsOverOTLPOnLoopback sends ten simulated seconds of the
// downstream-regression scenario to an in-process OTLP receiver over gRPC
// and over HTTP, and checks that every span the summary counts arrived,
// per service and stage.
func TestSendsOverOTLPOnLoopback(t *testing.T) {
	for _, protocol := range []string{ProtocolGRPC, ProtocolHTTP} {
		t.Run(protocol, func(t *testing.T) {
			rec := &receiver{}
			l := listen(t)
			if protocol == ProtocolGRPC {
				srv := grpc.NewServer()
				ptraceotlp.RegisterGRPCServer(srv, rec)
				go func() { _ = srv.Serve(l) }()
				defer srv.Stop()
			} else {
				srv := &http.Server{Handler: rec, ReadHeaderTimeout: time.Second}
				go func() { _ = srv.Serve(l) }()
				defer srv.Close()
			}
			exp, err := NewOTLPExporter(context.Background(), protocol, l.Addr().String(), OTLPOptions{})
			if err != nil {
				t.Fatal(err)
			}
			sc := loadScenario(t, "downstream-regression.yaml")
			sc.Duration = 10 * time.Second
			sum, err := Run(context.Background(), Config{Scenario: sc, Exporter: exp, Seed: 2, SimulatedClock: true, Start: testStart})
			if err != nil {
				t.Fatal(err)
			}
			if err := exp.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			got := map[SpanCount]int{}
			for _, r := range rec.rows {
				stage := r.attrStage
				if stage == "" {
					stage = r.resStage
				}
				k := SpanCount{Service: r.service, Stage: stage}
				got[k]++
			}
			if int64(len(rec.rows)) != sum.SentSpans || sum.FailedSpans != 0 || sum.SentSpans == 0 {
				t.Fatalf("received %d spans; summary: sent %d, failed %d", len(rec.rows), sum.SentSpans, sum.FailedSpans)
			}
			for _, c := range sum.Spans {
				if n := got[SpanCount{Service: c.Service, Stage: c.Stage}]; int64(n) != c.Spans {
					t.Errorf("%s/%s: received %d, summary %d", c.Service, c.Stage, n, c.Spans)
				}
			}
		})
	}
}

// TestUnreachableEndpointIsAnErrorNamingIt: nothing listens on the port, so
// the first export fails within its bounded retries and the run ends with an
// error that names the endpoint.
func TestUnreachableEndpointIsAnErrorNamingIt(t *testing.T) {
	l := listen(t)
	addr := l.Addr().String()
	_ = l.Close()
	for _, protocol := range []string{ProtocolGRPC, ProtocolHTTP} {
		t.Run(protocol, func(t *testing.T) {
			exp, err := NewOTLPExporter(context.Background(), protocol, addr, OTLPOptions{Timeout: time.Second, RetryFor: 500 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			sc := loadScenario(t, "aa.yaml")
			sc.Duration = 10 * time.Second
			begin := time.Now()
			_, err = Run(context.Background(), Config{Scenario: sc, Exporter: exp, Seed: 1, SimulatedClock: true, Start: testStart})
			if err == nil || !strings.Contains(err.Error(), protocol+"://"+addr) {
				t.Fatalf("err = %v", err)
			}
			if took := time.Since(begin); took > 10*time.Second {
				t.Fatalf("took %v to give up", took)
			}
			_ = exp.Shutdown(context.Background())
		})
	}
}

func TestBadEndpointOrProtocol(t *testing.T) {
	if _, err := NewOTLPExporter(context.Background(), ProtocolGRPC, "no-port", OTLPOptions{}); err == nil || !strings.Contains(err.Error(), `"no-port"`) {
		t.Errorf("err = %v", err)
	}
	if _, err := NewOTLPExporter(context.Background(), "udp", "127.0.0.1:1", OTLPOptions{}); err == nil || !strings.Contains(err.Error(), `"udp"`) {
		t.Errorf("err = %v", err)
	}
}
