package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// verdictConfig runs the connector and the exporter in the built binary.
// %[4]s is the traces pipeline's processor list: empty puts the connector
// beside the sampler on all spans, [canary_sampling] after it on sampled
// spans.
const verdictConfig = `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:%[1]d"}
processors:
  canary_sampling:
    decision_wait: 1s
    stable_percentage: 10
connectors:
  canary_analysis:
    interval: 10s
exporters:
  canary_verdict:
    endpoint: "127.0.0.1:%[2]d"
    grace_period: 1s
service:
  pipelines:
    traces: {receivers: [otlp], processors: %[3]s, exporters: [canary_analysis]}
    metrics: {receivers: [canary_analysis], exporters: [canary_verdict]}
`

type releaseVerdict struct {
	Service, Version, Run, Verdict, Reason string
	Checks                                 []struct {
		Service, Operation, Check, Verdict, Reason string
	}
}

func getVerdict(t *testing.T, url string) releaseVerdict {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var v releaseVerdict
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&v))
	return v
}

// TestDistributionRollsBackACanaryThatBreaksItsDependency replays the
// downstream regression (inventory fails 3% only when called from canary
// checkout) through the built binary, with the connector on all spans and on
// the sampler's output, and asks the exporter's API what a rollout controller
// would ask.
func TestDistributionRollsBackACanaryThatBreaksItsDependency(t *testing.T) {
	for name, processors := range map[string]string{
		"beside the sampler": "[]",
		"after the sampler":  "[canary_sampling]",
	} {
		t.Run(name, func(t *testing.T) {
			otlpPort, apiPort := freePort(t), freePort(t)
			startCollector(t, fmt.Sprintf(verdictConfig, otlpPort, apiPort, processors))
			api := fmt.Sprintf("http://127.0.0.1:%d/api/v1/verdicts/", apiPort)

			before := getVerdict(t, api+"checkout")
			assert.Equal(t, "inconclusive", before.Verdict, "no data yet is an answer, not an error")
			assert.Equal(t, "no data", before.Reason)

			sendScenario(t, "downstream-regression", fmt.Sprintf("127.0.0.1:%d", otlpPort), 10*time.Minute, 5)

			// The exporter judges the last steps once the collector's watermark
			// passes them (allowed lateness, then the grace period).
			var v releaseVerdict
			deadline := time.Now().Add(90 * time.Second)
			for v = getVerdict(t, api+"checkout"); v.Verdict != "rollback" && time.Now().Before(deadline); v = getVerdict(t, api+"checkout") {
				time.Sleep(250 * time.Millisecond)
			}
			require.Equal(t, "rollback", v.Verdict, "reason: %s", v.Reason)
			assert.Equal(t, "1.5.0", v.Version)
			var inventoryFailed bool
			for _, c := range v.Checks {
				if c.Verdict == "fail" && c.Service == "inventory" && c.Operation == "GET /stock" && c.Check == "error_rate" {
					inventoryFailed = true
				}
				if c.Verdict == "fail" {
					assert.Contains(t, []string{"GET /stock", ""}, c.Operation, "only the broken dependency (and the release level) may fail: %s", c.Reason)
				}
			}
			assert.True(t, inventoryFailed, "inventory's GET /stock error_rate check fails; reason: %s", v.Reason)
		})
	}
}
