package canaryanalysisconnector

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector/internal/metadatatest"
)

func TestReleaseExpiresWithoutCanarySpans(t *testing.T) {
	cfg := testConfig()
	cfg.ReleaseExpiry = time.Minute
	h := newHarness(t, cfg)
	stable := span{service: "checkout", version: "1.3", resStage: "stable", name: "POST /checkout", kind: server}
	h.send(at(canaryCall, time.Second), at(stable, time.Second))
	for s := 10 * time.Second; s <= 80*time.Second; s += 10 * time.Second {
		h.send(at(stable, s))
	}
	// Step [70s, 80s) was judged at 80s+5s: cutoff 20s > the canary's 1s.
	metadatatest.AssertEqualConnectorCanaryAnalysisExpiredReleases(t, h.tel,
		[]metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
	h.send(at(stable, 90*time.Second))
	assert.Empty(t, points(h.last(), metricVerdict), "no verdict for an ended run")
	calls := values(points(h.last(), metricCalls))
	assert.NotContains(t, calls, callsKey, "the canary's series ended with it")
	assert.Contains(t, calls, key("service.name", "checkout", "service.version", "1.3", "span.name", "POST /checkout",
		"span.kind", "SPAN_KIND_SERVER", "deployment.stage", "stable", "status", "ok"))
}
