package canarysamplingprocessor

import (
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/canarytrace/canarytrace/processor/canarysamplingprocessor/internal/metadatatest"
)

func assertLateSpans(t *testing.T, p *testSampler, want map[string]int64) {
	t.Helper()
	var dps []metricdata.DataPoint[int64]
	for cache, n := range want {
		dps = append(dps, metricdata.DataPoint[int64]{Attributes: attribute.NewSet(attribute.String("cache", cache)), Value: n})
	}
	metadatatest.AssertEqualProcessorCanarySamplingLateSpans(t, p.tel, dps, metricdatatest.IgnoreTimestamp())
}

func assertEarlyDecisions(t *testing.T, p *testSampler, want map[string]int64) {
	t.Helper()
	var dps []metricdata.DataPoint[int64]
	for cause, n := range want {
		dps = append(dps, metricdata.DataPoint[int64]{Attributes: attribute.NewSet(attribute.String("cause", cause)), Value: n})
	}
	metadatatest.AssertEqualProcessorCanarySamplingEarlyDecisions(t, p.tel, dps, metricdatatest.IgnoreTimestamp())
}

func assertTracesHeld(t *testing.T, p *testSampler, n int64) {
	t.Helper()
	metadatatest.AssertEqualProcessorCanarySamplingTracesHeld(t, p.tel,
		[]metricdata.DataPoint[int64]{{Value: n}}, metricdatatest.IgnoreTimestamp())
}

func decidedSet(decision, stage, reason string) attribute.Set {
	return attribute.NewSet(
		attribute.String("decision", decision),
		attribute.String("stage", stage),
		attribute.String("reason", reason),
	)
}

func TestTelemetryCountsDecisionsByStageAndReason(t *testing.T) {
	cfg := testConfig()
	p := newTestSampler(t, cfg)
	p.consume(t, tracesOf(
		spanSpec{trace: traceID(1, 0), id: 1, resStage: "canary"},
		spanSpec{trace: traceID(1, 0), id: 2, parent: 1, resStage: "stable"},
		spanSpec{trace: traceID(2, 0), id: 3, resStage: "stable"},
		spanSpec{trace: traceID(3, 0), id: 4, resStage: "stable", err: true},
		spanSpec{trace: traceID(4, 1<<56-1), id: 5},
	))
	assertTracesHeld(t, p, 4)
	p.advance(wait)
	assertTracesHeld(t, p, 0)

	metadatatest.AssertEqualProcessorCanarySamplingTraces(t, p.tel, []metricdata.DataPoint[int64]{
		{Attributes: decidedSet("kept", "canary", "canary"), Value: 1},
		{Attributes: decidedSet("dropped", "stable", "stable"), Value: 1},
		{Attributes: decidedSet("kept", "stable", "error"), Value: 1},
		{Attributes: decidedSet("kept", "none", "stable"), Value: 1},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorCanarySamplingSpans(t, p.tel, []metricdata.DataPoint[int64]{
		{Attributes: decidedSet("kept", "canary", "canary"), Value: 2},
		{Attributes: decidedSet("dropped", "stable", "stable"), Value: 1},
		{Attributes: decidedSet("kept", "stable", "error"), Value: 1},
		{Attributes: decidedSet("kept", "none", "stable"), Value: 1},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorCanarySamplingDecisionLatency(t, p.tel, []metricdata.HistogramDataPoint[float64]{{
		Count:        4,
		Sum:          40,
		Bounds:       []float64{0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120},
		BucketCounts: []uint64{0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0},
		Min:          metricdata.NewExtrema(10.0),
		Max:          metricdata.NewExtrema(10.0),
	}}, metricdatatest.IgnoreTimestamp())
}

func TestTelemetryCountsInternedStrings(t *testing.T) {
	p := newTestSampler(t, testConfig())
	p.consume(t, tracesOf(spanSpec{trace: traceID(1, 0), id: 1, resStage: "stable", spanStage: "stable"}))
	p.advance(wait) // publishes the pending strings
	// The span name "op-1", the key deployment.stage and its value stable.
	metadatatest.AssertEqualProcessorCanarySamplingInternedStrings(t, p.tel,
		[]metricdata.DataPoint[int64]{{Value: 3}}, metricdatatest.IgnoreTimestamp())
}

func TestTelemetryCountsInvalidTraceStates(t *testing.T) {
	cfg := testConfig()
	cfg.StablePercentage = 100
	p := newTestSampler(t, cfg)
	p.consume(t, tracesOf(
		spanSpec{trace: traceID(1, 0), id: 1, resStage: "stable", traceState: "ot=th:8"},
		spanSpec{trace: traceID(2, 0), id: 2, resStage: "stable", traceState: "ot=th:zz"},
		spanSpec{trace: traceID(3, 0), id: 3, resStage: "stable", traceState: "not a tracestate"},
		spanSpec{trace: traceID(4, 0), id: 4, resStage: "stable"},
	))
	metadatatest.AssertEqualProcessorCanarySamplingInvalidTracestates(t, p.tel,
		[]metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
	p.advance(wait)
	kept := p.keptSpans()
	ts := kept[spanID(3)].TraceState().AsRaw()
	if ts != "ot=th:0" {
		t.Errorf("a kept span's unparseable tracestate is replaced by its ot entry alone, got %q", ts)
	}
}
