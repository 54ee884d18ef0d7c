package canaryanalysisconnector

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector/internal/metadatatest"
	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/evidencemetrics"
)

// liveConnector is a connector whose wall clock the test moves.
func liveConnector(t *testing.T, cfg *Config, now *time.Time) (*canaryConnector, *consumertest.MetricsSink, *componenttest.Telemetry) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	sink := new(consumertest.MetricsSink)
	c, err := newConnector(metadatatest.NewSettings(tel), *cfg, sink, func() time.Time { return *now })
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Shutdown(context.Background())) })
	return c, sink, tel
}

func TestLiveWallClockJudgesStepsWithoutSpans(t *testing.T) {
	now := t0.Add(time.Second)
	c, sink, _ := liveConnector(t, testConfig(), &now)
	require.NoError(t, c.ConsumeTraces(context.Background(), traces(at(canaryCall, 500*time.Millisecond))))
	assert.Empty(t, sink.AllMetrics())
	now = t0.Add(16 * time.Second) // watermark 11s: step 0 is over
	require.NoError(t, c.advance(context.Background(), false))
	require.Len(t, sink.AllMetrics(), 1)
	assert.Equal(t, 1.0, points(sink.AllMetrics()[0], metricCalls)[callsKey].value)
}

func TestLiveWildTimestampsNeitherWedgeNorFlood(t *testing.T) {
	now := t0.Add(time.Second)
	c, sink, tel := liveConnector(t, testConfig(), &now)
	year2100 := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Sub(t0)
	year1970 := time.Unix(1, 0).Sub(t0)
	require.NoError(t, c.ConsumeTraces(context.Background(),
		traces(at(canaryCall, year2100), at(canaryCall, year1970), at(canaryCall, 500*time.Millisecond))))
	now = t0.Add(16 * time.Second)
	require.NoError(t, c.advance(context.Background(), false))
	require.Len(t, sink.AllMetrics(), 1, "the 2100 span did not wedge the watermark")
	metadatatest.AssertEqualConnectorCanaryAnalysisFutureSkewedSpans(t, tel,
		[]metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualConnectorCanaryAnalysisLateSpans(t, tel,
		[]metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
	// Step -1 (started when first looked at) and step 0: not 56 years of steps.
	metadatatest.AssertEqualConnectorCanaryAnalysisEvaluations(t, tel,
		[]metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
	assert.Equal(t, 3.0, points(sink.AllMetrics()[0], metricCalls)[callsKey].value, "every span still counts")
	rate := points(sink.AllMetrics()[0], metricErrorRate)
	assert.Len(t, rate, 1, "the window holds the on-time span only")
	got := evidencemetrics.Decode(sink.AllMetrics()[0])
	require.Len(t, got, 1)
	var steps []evidence.Step
	got[0].Evidence.Cells(func(k evidence.CellKey, _ *evidence.Cell) {
		if k.Operation.IsRelease() {
			steps = append(steps, k.Step)
		}
	})
	step0 := evidence.Step(t0.UnixNano() / int64(10*time.Second))
	// The 1970 span is late: its evidence joins the first step still open
	// (step0-1, where the live clock started); the 2100 span is parked at
	// the wall clock's step, beside the on-time one.
	assert.Equal(t, []evidence.Step{step0 - 1, step0}, steps)
}

func TestSpanTimeWildTimestampDoesNotWedgeABacktest(t *testing.T) {
	h := newHarness(t, testConfig())
	year2100 := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Sub(t0)
	h.send(at(canaryCall, time.Second), at(canaryCall, 2*time.Second))
	h.send(at(canaryCall, year2100))
	h.send(at(canaryCall, 16*time.Second))
	require.Len(t, h.sink.AllMetrics(), 1, "step 0 judged on span time despite the 2100 span")
	h.send(at(canaryCall, 26*time.Second))
	require.Len(t, h.sink.AllMetrics(), 2)
	metadatatest.AssertEqualConnectorCanaryAnalysisFutureSkewedSpans(t, h.tel,
		[]metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
}

func TestSpanTimeJumpFloodIsBounded(t *testing.T) {
	h := newHarness(t, testConfig()) // window 1m / interval 10s: 6 steps at most per advance
	h.send(at(canaryCall, time.Second), at(canaryCall, 2*time.Second))
	h.send(at(canaryCall, 24*time.Hour), at(canaryCall, 24*time.Hour+time.Second))
	metadatatest.AssertEqualConnectorCanaryAnalysisEvaluations(t, h.tel,
		[]metricdata.DataPoint[int64]{{Value: 6}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualConnectorCanaryAnalysisSkippedSteps(t, h.tel,
		[]metricdata.DataPoint[int64]{{Value: 8640 - 1 - 6}}, metricdatatest.IgnoreTimestamp())
}

func TestOverflowOperationBeyondMaxSeries(t *testing.T) {
	cfg := testConfig()
	cfg.MaxSeries = 2
	h := newHarness(t, cfg)
	a, b, c := canaryCall, canaryCall, canaryCall
	b.name, c.name = "GET /cart", "GET /orders"
	h.send(at(a, time.Second), at(b, time.Second), at(c, time.Second), at(c, 2*time.Second))
	h.flush()
	calls := values(points(h.last(), metricCalls))
	assert.Equal(t, 2.0, calls[key("service.name", "checkout", "service.version", "1.4", "span.name", "_overflow",
		"span.kind", "", "deployment.stage", "canary", "status", "ok")])
	assert.Len(t, calls, 3)
	metadatatest.AssertEqualConnectorCanaryAnalysisOverflowedSpans(t, h.tel,
		[]metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
}

func TestShutdownSendsPendingEvidence(t *testing.T) {
	now := t0.Add(time.Second)
	c, sink, _ := liveConnector(t, testConfig(), &now)
	require.NoError(t, c.ConsumeTraces(context.Background(), traces(at(canaryCall, 500*time.Millisecond))))
	require.Empty(t, sink.AllMetrics())
	require.NoError(t, c.Shutdown(context.Background()))
	require.Len(t, sink.AllMetrics(), 1)
	got := evidencemetrics.Decode(sink.AllMetrics()[0])
	require.Len(t, got, 1)
	assert.False(t, got[0].HasWatermark)
	assert.Equal(t, 2, got[0].Evidence.Len(), "the operation's cell and the release's")
}
