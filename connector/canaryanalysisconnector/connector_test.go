package canaryanalysisconnector

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector/internal/metadatatest"
	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/evidencemetrics"
	"github.com/canarytrace/canarytrace/internal/stage"
)

const server = ptrace.SpanKindServer

// checkoutTraffic is canarygen's shape in miniature: canary checkout with
// errors, stable checkout sampled at p = 1/2 and 1/4 (th:8, th:c), and
// inventory called from both.
func checkoutTraffic() []span {
	var spans []span
	canary := span{service: "checkout", version: "1.4", resStage: "canary", spanStage: "canary", name: "POST /checkout", kind: server, end: time.Second}
	spans = append(spans, repeat(3, canary)...)
	canary.err, canary.trace = true, 9
	spans = append(spans, canary)

	stable := span{service: "checkout", version: "1.3", resStage: "stable", spanStage: "stable", name: "POST /checkout", kind: server, end: 2 * time.Second, duration: 50 * time.Millisecond}
	spans = append(spans, stable)
	stable.tracestate, stable.trace = "ot=th:8", 20
	spans = append(spans, stable)
	stable.tracestate, stable.trace = "ot=th:c", 21
	spans = append(spans, stable)

	inv := span{service: "inventory", version: "2.0", resStage: "stable", spanStage: "canary", name: "GET /stock", kind: server, end: 3 * time.Second}
	spans = append(spans, inv)
	inv.httpStatus, inv.trace = 503, 9
	spans = append(spans, inv)
	inv.spanStage, inv.httpStatus = "stable", 0
	spans = append(spans, repeat(3, inv)...)

	spans = append(spans, span{service: "cron", version: "1", name: "tick", kind: ptrace.SpanKindInternal, end: 4 * time.Second})
	return spans
}

func TestEndToEndCheckoutCanary(t *testing.T) {
	h := newHarness(t, testConfig())
	h.send(checkoutTraffic()...)
	assert.Empty(t, h.sink.AllMetrics(), "the step is still open")
	h.flush()
	require.Len(t, h.sink.AllMetrics(), 1)
	md := h.last()

	op := func(svc, ver, stage string, kv ...string) string {
		return key(append([]string{"service.name", svc, "service.version", ver, "span.name", map[string]string{"checkout": "POST /checkout", "inventory": "GET /stock"}[svc], "span.kind", "SPAN_KIND_SERVER", "deployment.stage", stage}, kv...)...)
	}
	assert.Equal(t, map[string]float64{
		op("checkout", "1.4", "canary", "status", "ok"):     3,
		op("checkout", "1.4", "canary", "status", "error"):  1,
		op("checkout", "1.3", "stable", "status", "ok"):     1 + 2 + 4, // adjusted counts
		op("inventory", "2.0", "canary", "status", "ok"):    1,
		op("inventory", "2.0", "canary", "status", "error"): 1,
		op("inventory", "2.0", "stable", "status", "ok"):    3,
	}, values(points(md, metricCalls)))

	dur := points(md, metricDuration)
	assert.Equal(t, uint64(4), dur[op("checkout", "1.4", "canary")].count)
	assert.InDelta(t, 0.4, dur[op("checkout", "1.4", "canary")].sum, 1e-9)
	assert.Equal(t, uint64(7), dur[op("checkout", "1.3", "stable")].count)
	assert.InDelta(t, 7*0.05, dur[op("checkout", "1.3", "stable")].sum, 1e-9)
	assert.Equal(t, t0, dur[op("checkout", "1.4", "canary")].start)
	assert.Equal(t, t0.Add(10*time.Second), dur[op("checkout", "1.4", "canary")].end)

	gauge := func(svc, stage string, kv ...string) string {
		return key(append([]string{"service.name", svc, "span.name", map[string]string{"checkout": "POST /checkout", "inventory": "GET /stock"}[svc], "span.kind", "SPAN_KIND_SERVER", "deployment.stage", stage}, kv...)...)
	}
	assert.Equal(t, map[string]float64{
		gauge("checkout", "canary"):  0.25,
		gauge("checkout", "stable"):  0,
		gauge("inventory", "canary"): 0.5,
		gauge("inventory", "stable"): 0,
	}, values(points(md, metricErrorRate)))

	mid := func(d time.Duration) float64 { // geometric middle of d's bucket
		i, _ := evidence.BucketIndex(d)
		return math.Exp2((float64(i) + 0.5) / 16)
	}
	lat := values(points(md, metricLatency))
	assert.Equal(t, mid(100*time.Millisecond), lat[gauge("checkout", "canary", "quantile", "0.99")])
	assert.Equal(t, mid(50*time.Millisecond), lat[gauge("checkout", "stable", "quantile", "0.5")])
	assert.Len(t, lat, 8)

	// Not enough samples for any check: the release is inconclusive.
	verdicts := values(points(md, metricVerdict))
	assert.Equal(t, 0.0, verdicts[key("service.name", "checkout", "service.version", "1.4", "check", "overall")])
	require.Len(t, h.verdict, 1)
	assert.Equal(t, evidence.Release{Service: "checkout", Version: "1.4"}, h.verdict[0].Release)

	metadatatest.AssertEqualConnectorCanaryAnalysisUnattributedSpans(t, h.tel,
		[]metricdata.DataPoint[int64]{{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", "no_arm"))}},
		metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualConnectorCanaryAnalysisEvaluations(t, h.tel,
		[]metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
}

func TestEndToEndEvidenceExport(t *testing.T) {
	h := newHarness(t, testConfig())
	h.send(checkoutTraffic()...)
	h.flush()
	got := evidencemetrics.Decode(h.last())
	require.Len(t, got, 1)
	assert.NotEmpty(t, got[0].ID, "service.instance.id")
	assert.Equal(t, 10*time.Second, got[0].Interval)
	step := evidence.Step(t0.UnixNano() / int64(10*time.Second))
	assert.Equal(t, step, got[0].Watermark)

	rel := evidence.Release{Service: "checkout", Version: "1.4"}
	cell := func(svc, name string, arm stage.Arm, th uint64) evidence.Cell {
		op := evidence.Operation{Service: svc, Name: name, Kind: "SPAN_KIND_SERVER"}
		c := got[0].Evidence.Cell(evidence.CellKey{Release: rel, Operation: op, Arm: arm, Step: step, Threshold: th})
		if c == nil {
			return evidence.Cell{}
		}
		return *c
	}
	assert.Equal(t, int64(4), cell("checkout", "POST /checkout", stage.Canary, 0).Calls)
	assert.Equal(t, int64(1), cell("checkout", "POST /checkout", stage.Canary, 0).Errors)
	assert.Equal(t, int64(1), cell("checkout", "POST /checkout", stage.Stable, 0).Calls)
	assert.Equal(t, int64(1), cell("checkout", "POST /checkout", stage.Stable, 1<<55).Calls, "p = 1/2 stratum")
	assert.Equal(t, int64(1), cell("checkout", "POST /checkout", stage.Stable, 3<<54).Calls, "p = 1/4 stratum")
	assert.Equal(t, int64(2), cell("inventory", "GET /stock", stage.Canary, 0).Calls, "downstream of the canary")
	assert.Equal(t, int64(1), cell("inventory", "GET /stock", stage.Canary, 0).Errors, "HTTP 503 on a server span")
	assert.Equal(t, int64(3), cell("inventory", "GET /stock", stage.Stable, 0).Calls)
	assert.Equal(t, []evidence.Run{{Release: rel, Start: step}}, got[0].Evidence.Runs())
}
