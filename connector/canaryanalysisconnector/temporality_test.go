package canaryanalysisconnector

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector/internal/metadatatest"
	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/evidencemetrics"
)

var canaryCall = span{service: "checkout", version: "1.4", resStage: "canary", name: "POST /checkout", kind: server}

func at(s span, end time.Duration) span { s.end = end; return s }

var callsKey = key("service.name", "checkout", "service.version", "1.4", "span.name", "POST /checkout",
	"span.kind", "SPAN_KIND_SERVER", "deployment.stage", "canary", "status", "ok")

var durKey = key("service.name", "checkout", "service.version", "1.4", "span.name", "POST /checkout",
	"span.kind", "SPAN_KIND_SERVER", "deployment.stage", "canary")

// Three batches: steps 0, 1 and 2 close after the second and third.
func sendThreeBatches(h *harness) {
	h.send(repeat(2, at(canaryCall, time.Second))...)
	h.send(repeat(3, at(canaryCall, 16*time.Second))...) // watermark 11s: step 0 closes
	h.send(repeat(4, at(canaryCall, 26*time.Second))...) // watermark 21s: step 1 closes
}

func TestCumulativeCallsGrowFromTheSeriesStart(t *testing.T) {
	h := newHarness(t, testConfig())
	sendThreeBatches(h)
	all := h.sink.AllMetrics()
	require.Len(t, all, 2)
	first, second := points(all[0], metricCalls)[callsKey], points(all[1], metricCalls)[callsKey]
	assert.Equal(t, 5.0, first.value, "the open step's spans are counted as they arrive")
	assert.Equal(t, 9.0, second.value)
	assert.Equal(t, t0, first.start)
	assert.Equal(t, t0, second.start)
	assert.Equal(t, t0.Add(10*time.Second), first.end)
	assert.Equal(t, t0.Add(20*time.Second), second.end)
	assert.Equal(t, uint64(9), points(all[1], metricDuration)[durKey].count)
}

func TestDeltaCallsCountOnlyWhatIsNew(t *testing.T) {
	cfg := testConfig()
	cfg.Temporality = temporalityDelta
	h := newHarness(t, cfg)
	sendThreeBatches(h)
	all := h.sink.AllMetrics()
	require.Len(t, all, 2)
	first, second := points(all[0], metricCalls)[callsKey], points(all[1], metricCalls)[callsKey]
	assert.Equal(t, 5.0, first.value)
	assert.Equal(t, 4.0, second.value)
	assert.Equal(t, first.end, second.start, "delta intervals tile")
	assert.Equal(t, uint64(5), points(all[0], metricDuration)[durKey].count)
	assert.Equal(t, uint64(4), points(all[1], metricDuration)[durKey].count)
}

// Adjusted counts of 1/0.3 are not integers: delta histogram counts are the
// changes of the rounded cumulative weight, so they never drift.
func TestDeltaHistogramRoundingDoesNotDrift(t *testing.T) {
	cfg := testConfig()
	cfg.Temporality = temporalityDelta
	h := newHarness(t, cfg)
	s := canaryCall
	s.tracestate = "ot=th:b333333333333" // p = 0.3
	var total uint64
	for i := 0; i < 30; i++ {
		h.send(at(s, time.Duration(i)*10*time.Second+time.Second))
	}
	h.flush()
	for _, md := range h.sink.AllMetrics() {
		total += points(md, metricDuration)[durKey].count
	}
	// 30 spans at adjusted count 1/0.3 = 3.333…: 100 calls estimated.
	assert.Equal(t, uint64(100), total)
}

func TestLateSpansCountAsEvidenceButMissTheWindow(t *testing.T) {
	h := newHarness(t, testConfig())
	h.send(at(canaryCall, time.Second))
	h.send(at(canaryCall, 16*time.Second)) // step 0 judged
	late := at(canaryCall, 2*time.Second)
	late.err = true
	h.send(late, at(canaryCall, 26*time.Second)) // step 1 judged
	md := h.last()

	rate := values(points(md, metricErrorRate))
	rateKey := key("service.name", "checkout", "span.name", "POST /checkout", "span.kind", "SPAN_KIND_SERVER", "deployment.stage", "canary")
	assert.Equal(t, map[string]float64{rateKey: 0}, rate, "the late error is not in the window")

	got := evidencemetrics.Decode(md)
	require.Len(t, got, 1)
	step0 := evidence.Step(t0.UnixNano() / int64(10*time.Second))
	c := got[0].Evidence.Cell(evidence.CellKey{
		Release:   evidence.Release{Service: "checkout", Version: "1.4"},
		Operation: evidence.Operation{Service: "checkout", Name: "POST /checkout", Kind: "SPAN_KIND_SERVER"},
		Arm:       1, Step: step0 + 1,
	})
	require.NotNil(t, c, "the late span of judged step 0 is evidence of step 1, the first still open, so the judge folds it")
	assert.Equal(t, [5]int64{1, 1, 1, 1, 1}, [5]int64{c.Calls, c.Errors, c.TraceCalls2, c.TraceErrors2, c.TraceCallsErrors})
	metadatatest.AssertEqualConnectorCanaryAnalysisLateSpans(t, h.tel,
		[]metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
}

func TestInvalidTraceStatesCountWithAdjustedCountOneAndAreCounted(t *testing.T) {
	h := newHarness(t, testConfig())
	bad, badTh, good := at(canaryCall, time.Second), at(canaryCall, time.Second), at(canaryCall, time.Second)
	bad.tracestate, bad.trace = "not a tracestate", 30
	badTh.tracestate, badTh.trace = "ot=th:zz", 31
	good.tracestate, good.trace = "ot=th:8", 32
	h.send(bad, badTh, good)
	h.flush()
	calls := values(points(h.last(), metricCalls))
	okKey := key("service.name", "checkout", "service.version", "1.4", "span.name", "POST /checkout",
		"span.kind", "SPAN_KIND_SERVER", "deployment.stage", "canary", "status", "ok")
	assert.Equal(t, 1.0+1+2, calls[okKey], "the invalid ones stand for themselves; th:8 (p = 1/2) for two")
	metadatatest.AssertEqualConnectorCanaryAnalysisInvalidTracestates(t, h.tel,
		[]metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
}
