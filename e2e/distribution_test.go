package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/internal/traffic"
)

func TestDistributionListsItsComponents(t *testing.T) {
	out, err := exec.Command(binary(t, "otelcol-canary"), "components").CombinedOutput()
	require.NoError(t, err, string(out))
	for _, name := range []string{
		"name: otlp", "name: batch", "name: memory_limiter", "name: debug",
		"name: otlp_grpc", "name: otlp_http", "name: load_balancing",
		"name: health_check", "name: file_storage",
		"name: canary_sampling", "name: canary_analysis", "name: canary_verdict",
	} {
		assert.Contains(t, string(out), name)
	}
}

// forwardConfig is the smallest production-shaped pipeline: OTLP in, batch,
// OTLP out to the test's sink.
const forwardConfig = `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:%d"}
      http: {endpoint: "127.0.0.1:%d"}
processors:
  batch:
exporters:
  otlp_grpc:
    endpoint: "%s"
    tls: {insecure: true}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [otlp_grpc]}
`

// stageCount keys the spans of one service, one stage and one outcome.
type stageCount struct{ service, stage string }

// TestDistributionForwardsCanaryTrafficIntact sends canarygen traffic to the
// built collector over OTLP gRPC and HTTP and checks that every span comes
// out with its resource and baggage-copied stage intact.
func TestDistributionForwardsCanaryTrafficIntact(t *testing.T) {
	for _, protocol := range []string{traffic.ProtocolGRPC, traffic.ProtocolHTTP} {
		t.Run(protocol, func(t *testing.T) {
			out := startSink(t)
			grpcPort, httpPort := freePort(t), freePort(t)
			col := startCollector(t, fmt.Sprintf(forwardConfig, grpcPort, httpPort, out.addr))

			sc, err := traffic.LoadScenario(filepath.Join(repoRoot(t), "testdata/scenarios/downstream-regression.yaml"))
			require.NoError(t, err)
			sc.Duration = 2 * time.Minute
			endpoint := fmt.Sprintf("127.0.0.1:%d", grpcPort)
			if protocol == traffic.ProtocolHTTP {
				endpoint = fmt.Sprintf("127.0.0.1:%d", httpPort)
			}
			exp, err := traffic.NewOTLPExporter(context.Background(), protocol, endpoint, traffic.OTLPOptions{})
			require.NoError(t, err)
			sum, err := traffic.Run(context.Background(), traffic.Config{
				Scenario: sc, Exporter: exp, Seed: 7, SimulatedClock: true,
			})
			require.NoError(t, err)
			require.NoError(t, exp.Shutdown(context.Background()))
			require.Zero(t, sum.FailedSpans)

			// A clean stop drains the batch processor and the exporter.
			col.stop(t)

			want := map[stageCount][2]int64{}
			for _, c := range sum.Spans {
				want[stageCount{c.Service, c.Stage}] = [2]int64{c.Spans, c.Errors}
			}
			got := map[stageCount][2]int64{}
			var missingVersion int
			out.spans(func(res, attrs map[string]any, sp ptrace.Span) {
				stage, _ := attrs["deployment.stage"].(string)
				if stage == "" {
					stage, _ = res["deployment.stage"].(string)
				}
				if res["service.version"] == nil {
					missingVersion++
				}
				k := stageCount{fmt.Sprint(res["service.name"]), stage}
				c := got[k]
				c[0]++
				if sp.Status().Code() == ptrace.StatusCodeError {
					c[1]++
				}
				got[k] = c
			})
			assert.Equal(t, want, got, "spans and errors per service and stage, sent vs received")
			assert.Zero(t, missingVersion, "every resource carries service.version")
			// Downstream regression: inventory fails more when called from
			// the canary; the traffic must show it for the test to mean much.
			inv := got[stageCount{"inventory", "canary"}]
			require.Positive(t, inv[0])
		})
	}
}
