package evidencemetrics

import (
	"encoding/hex"
	"math"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/canarytrace/canarytrace/internal/evidence"
)

// Export describes one export of an instance's evidence.
type Export struct {
	// Interval is the evaluation step length the evidence was stratified by.
	Interval time.Duration
	// Watermark is the last step the instance evaluated; HasWatermark false
	// omits canary.evidence.watermark.
	Watermark    evidence.Step
	HasWatermark bool
}

// Encode appends ev's cells, runs and exemplars to sm as the metrics this
// package documents. Steps whose bounds do not fit in a timestamp are
// skipped (they cannot come from a real clock).
func Encode(ev *evidence.Evidence, x Export, sm pmetric.ScopeMetrics) {
	e := encoder{interval: int64(x.Interval), sm: sm}
	if e.interval <= 0 {
		return
	}
	ev.Cells(e.cell)
	for _, r := range ev.Runs() {
		if dp, ok := e.gaugePoint(&e.run, MetricRun, "{step}", r.Start); ok {
			dp.SetIntValue(int64(r.Start))
			putRelease(dp.Attributes(), r.Release)
		}
	}
	ev.Exemplars(func(k evidence.ExemplarKey, xs []evidence.Exemplar) {
		for _, ex := range xs {
			dp, ok := e.gaugePoint(&e.exemplar, MetricExemplar, "s", ex.Step)
			if !ok {
				continue
			}
			dp.SetDoubleValue(ex.Duration.Seconds())
			putRelease(dp.Attributes(), k.Release)
			putOperation(dp.Attributes(), k.Operation)
			dp.Attributes().PutStr(AttrTraceID, hex.EncodeToString(ex.TraceID[:]))
			dp.Attributes().PutBool(AttrError, ex.Error)
		}
	})
	if x.HasWatermark {
		if dp, ok := e.gaugePoint(&e.watermark, MetricWatermark, "{step}", x.Watermark); ok {
			dp.SetIntValue(int64(x.Watermark))
		}
	}
}

type encoder struct {
	interval int64
	sm       pmetric.ScopeMetrics
	// Metrics are created on first use so an export without, say,
	// exemplars carries no empty metric.
	sums                     [5]pmetric.Metric
	latency                  pmetric.Metric
	run, exemplar, watermark pmetric.Metric
}

var sumNames = [5]string{MetricCalls, MetricErrors, MetricTraceCalls2, MetricTraceErrors2, MetricTraceCallsErrors}

func (e *encoder) metric(m *pmetric.Metric, name, unit string) pmetric.Metric {
	if *m == (pmetric.Metric{}) {
		*m = e.sm.Metrics().AppendEmpty()
		m.SetName(name)
		m.SetUnit(unit)
	}
	return *m
}

// bounds returns the step's timestamps; ok is false when they overflow.
func (e *encoder) bounds(s evidence.Step) (start, end pcommon.Timestamp, ok bool) {
	lo := int64(s)
	if lo < 0 || lo > math.MaxInt64/e.interval-1 {
		return 0, 0, false
	}
	return pcommon.Timestamp(lo * e.interval), pcommon.Timestamp((lo + 1) * e.interval), true
}

func (e *encoder) gaugePoint(m *pmetric.Metric, name, unit string, s evidence.Step) (pmetric.NumberDataPoint, bool) {
	start, end, ok := e.bounds(s)
	if !ok {
		return pmetric.NumberDataPoint{}, false
	}
	mm := e.metric(m, name, unit)
	if mm.Type() != pmetric.MetricTypeGauge {
		mm.SetEmptyGauge()
	}
	dp := mm.Gauge().DataPoints().AppendEmpty()
	dp.SetStartTimestamp(start)
	dp.SetTimestamp(end)
	return dp, true
}

func (e *encoder) cell(k evidence.CellKey, c *evidence.Cell) {
	start, end, ok := e.bounds(k.Step)
	if !ok {
		return
	}
	values := [5]int64{c.Calls, c.Errors, c.TraceCalls2, c.TraceErrors2, c.TraceCallsErrors}
	for i, v := range values {
		if v == 0 && i > 0 {
			continue
		}
		m := e.metric(&e.sums[i], sumNames[i], "{span}")
		if m.Type() != pmetric.MetricTypeSum {
			m.SetEmptySum().SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
			m.Sum().SetIsMonotonic(true)
		}
		dp := m.Sum().DataPoints().AppendEmpty()
		dp.SetStartTimestamp(start)
		dp.SetTimestamp(end)
		dp.SetIntValue(v)
		putCellKey(dp.Attributes(), k)
	}
	if c.Latency.Total() == 0 {
		return
	}
	m := e.metric(&e.latency, MetricLatency, "s")
	if m.Type() != pmetric.MetricTypeExponentialHistogram {
		m.SetEmptyExponentialHistogram().SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	}
	dp := m.ExponentialHistogram().DataPoints().AppendEmpty()
	dp.SetStartTimestamp(start)
	dp.SetTimestamp(end)
	dp.SetScale(evidence.Scale)
	dp.SetZeroCount(c.Latency.Zero)
	dp.SetCount(c.Latency.Total())
	dp.Positive().SetOffset(c.Latency.Offset)
	dp.Positive().BucketCounts().FromRaw(c.Latency.Counts)
	putCellKey(dp.Attributes(), k)
}

func putRelease(m pcommon.Map, r evidence.Release) {
	m.PutStr(AttrReleaseService, r.Service)
	m.PutStr(AttrReleaseVersion, r.Version)
}

func putOperation(m pcommon.Map, o evidence.Operation) {
	if o.IsRelease() {
		return
	}
	m.PutStr(AttrOperationService, o.Service)
	m.PutStr(AttrOperationName, o.Name)
	m.PutStr(AttrOperationKind, o.Kind)
}

func putCellKey(m pcommon.Map, k evidence.CellKey) {
	m.EnsureCapacity(7)
	putRelease(m, k.Release)
	putOperation(m, k.Operation)
	m.PutStr(AttrStage, k.Arm.String())
	m.PutInt(AttrThreshold, int64(k.Threshold))
}
