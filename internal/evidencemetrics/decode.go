package evidencemetrics

import (
	"encoding/hex"
	"math"
	"math/bits"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/stage"
)

// Instance is the evidence one collector instance sent in one payload.
type Instance struct {
	// ID is the resource's service.instance.id ("" when absent).
	ID string
	// Interval is the step length its data points carry; 0 when none did.
	Interval time.Duration
	// Evidence holds every valid cell, run and exemplar.
	Evidence *evidence.Evidence
	// Watermark is the last step the instance evaluated, when it said.
	Watermark    evidence.Step
	HasWatermark bool
	// Rejected counts data points (and decoded cells) that broke the shape
	// and were skipped.
	Rejected int
}

// maxValue bounds any single count: far beyond what one export of one
// instance can hold, far below where sums of many could overflow.
const maxValue = 1 << 48

// maxInterval bounds the step length a data point may imply.
const maxInterval = int64(24 * time.Hour)

// Decode reads the evidence metrics in md, one Instance per distinct
// service.instance.id in resource order. Metrics of other names are ignored;
// data points of known names that break the shape are counted in Rejected.
func Decode(md pmetric.Metrics) []Instance {
	var out []Instance
	byID := map[string]*decoder{}
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		id := ""
		if v, ok := rm.Resource().Attributes().Get(AttrInstance); ok && v.Type() == pcommon.ValueTypeStr {
			id = v.Str()
		}
		d := byID[id]
		if d == nil {
			// Decoded evidence is only merged, never observed into: no trace cache.
			d = &decoder{id: id, cells: map[evidence.CellKey]*evidence.Cell{}, ev: evidence.NewWithTraceCache(1)}
			byID[id] = d
			out = append(out, Instance{ID: id})
		}
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				d.metric(ms.At(k))
			}
		}
	}
	for i := range out {
		out[i] = byID[out[i].ID].finish()
	}
	return out
}

type decoder struct {
	id        string
	interval  int64
	cells     map[evidence.CellKey]*evidence.Cell
	order     []evidence.CellKey
	ev        *evidence.Evidence
	watermark evidence.Step
	hasWM     bool
	rejected  int
}

func (d *decoder) metric(m pmetric.Metric) {
	switch m.Name() {
	case MetricCalls, MetricErrors, MetricTraceCalls2, MetricTraceErrors2, MetricTraceCallsErrors:
		d.sum(m)
	case MetricLatency:
		d.latency(m)
	case MetricRun, MetricExemplar, MetricWatermark:
		d.gauge(m)
	}
}

func (d *decoder) sum(m pmetric.Metric) {
	if m.Type() != pmetric.MetricTypeSum || m.Sum().AggregationTemporality() != pmetric.AggregationTemporalityDelta {
		d.rejected += dataPoints(m)
		return
	}
	dps := m.Sum().DataPoints()
	for i := 0; i < dps.Len(); i++ {
		dp := dps.At(i)
		k, ok := d.cellKey(dp.Attributes(), dp.StartTimestamp(), dp.Timestamp())
		if !ok || dp.ValueType() != pmetric.NumberDataPointValueTypeInt || dp.IntValue() < 0 || dp.IntValue() > maxValue {
			d.rejected++
			continue
		}
		c := d.cell(k)
		var field *int64
		switch m.Name() {
		case MetricCalls:
			field = &c.Calls
		case MetricErrors:
			field = &c.Errors
		case MetricTraceCalls2:
			field = &c.TraceCalls2
		case MetricTraceErrors2:
			field = &c.TraceErrors2
		default:
			field = &c.TraceCallsErrors
		}
		// Saturate rather than wrap: consistent() then rejects the cell.
		*field = min(*field+dp.IntValue(), math.MaxInt64-maxValue)
	}
}

func (d *decoder) latency(m pmetric.Metric) {
	if m.Type() != pmetric.MetricTypeExponentialHistogram || m.ExponentialHistogram().AggregationTemporality() != pmetric.AggregationTemporalityDelta {
		d.rejected += dataPoints(m)
		return
	}
	dps := m.ExponentialHistogram().DataPoints()
	for i := 0; i < dps.Len(); i++ {
		dp := dps.At(i)
		k, ok := d.cellKey(dp.Attributes(), dp.StartTimestamp(), dp.Timestamp())
		if !ok || !validLatency(dp) {
			d.rejected++
			continue
		}
		h := &d.cell(k).Latency
		h.Zero += dp.ZeroCount()
		counts := dp.Positive().BucketCounts()
		for j := 0; j < counts.Len(); j++ {
			h.Add(dp.Positive().Offset()+int32(j), counts.At(j))
		}
	}
}

func validLatency(dp pmetric.ExponentialHistogramDataPoint) bool {
	if dp.Scale() != evidence.Scale || dp.Negative().BucketCounts().Len() != 0 || dp.ZeroCount() > maxValue {
		return false
	}
	pos := dp.Positive()
	n := pos.BucketCounts().Len()
	if n == 0 {
		return true
	}
	if pos.Offset() < evidence.MinIndex || int64(pos.Offset())+int64(n)-1 > int64(evidence.MaxIndex) {
		return false
	}
	for j := 0; j < n; j++ {
		if pos.BucketCounts().At(j) > maxValue {
			return false
		}
	}
	return true
}

func (d *decoder) gauge(m pmetric.Metric) {
	if m.Type() != pmetric.MetricTypeGauge {
		d.rejected += dataPoints(m)
		return
	}
	dps := m.Gauge().DataPoints()
	for i := 0; i < dps.Len(); i++ {
		if !d.gaugePoint(m.Name(), dps.At(i)) {
			d.rejected++
		}
	}
}

func (d *decoder) gaugePoint(name string, dp pmetric.NumberDataPoint) bool {
	step, ok := d.step(dp.StartTimestamp(), dp.Timestamp())
	if !ok {
		return false
	}
	attrs := dp.Attributes()
	switch name {
	case MetricWatermark:
		if dp.ValueType() != pmetric.NumberDataPointValueTypeInt || dp.IntValue() != int64(step) {
			return false
		}
		if !d.hasWM || step > d.watermark {
			d.watermark, d.hasWM = step, true
		}
	case MetricRun:
		r, ok := release(attrs)
		if !ok || dp.ValueType() != pmetric.NumberDataPointValueTypeInt || dp.IntValue() != int64(step) {
			return false
		}
		d.ev.AddRun(r, step)
	case MetricExemplar:
		r, ok := release(attrs)
		op, opOK := operation(attrs)
		id, idOK := traceID(attrs)
		isErr, errOK := boolAttr(attrs, AttrError)
		secs := dp.DoubleValue()
		if !ok || !opOK || op.IsRelease() || !idOK || !errOK || dp.ValueType() != pmetric.NumberDataPointValueTypeDouble ||
			!(secs >= 0 && secs < float64(math.MaxInt64/int64(time.Second))) {
			return false
		}
		d.ev.AddExemplar(evidence.ExemplarKey{Release: r, Operation: op},
			evidence.Exemplar{TraceID: id, Step: step, Duration: time.Duration(math.Round(secs * float64(time.Second))), Error: isErr})
	}
	return true
}

// step checks a data point's timestamps are one step's bounds, with the
// same interval as every other data point of the instance.
func (d *decoder) step(start, end pcommon.Timestamp) (evidence.Step, bool) {
	if start >= end || end > math.MaxInt64 {
		return 0, false
	}
	interval := int64(end - start)
	if interval > maxInterval || int64(start)%interval != 0 {
		return 0, false
	}
	if d.interval == 0 {
		d.interval = interval
	} else if interval != d.interval {
		return 0, false
	}
	return evidence.Step(int64(start) / interval), true
}

func (d *decoder) cellKey(attrs pcommon.Map, start, end pcommon.Timestamp) (evidence.CellKey, bool) {
	step, ok := d.step(start, end)
	if !ok {
		return evidence.CellKey{}, false
	}
	r, ok := release(attrs)
	if !ok {
		return evidence.CellKey{}, false
	}
	op, ok := operation(attrs)
	if !ok {
		return evidence.CellKey{}, false
	}
	arm := stage.None
	if v, ok := attrs.Get(AttrStage); ok && v.Type() == pcommon.ValueTypeStr {
		switch v.Str() {
		case "canary":
			arm = stage.Canary
		case "stable":
			arm = stage.Stable
		}
	}
	th, ok := attrs.Get(AttrThreshold)
	if arm == stage.None || !ok || th.Type() != pcommon.ValueTypeInt || th.Int() < 0 || !evidence.ValidThreshold(uint64(th.Int())) {
		return evidence.CellKey{}, false
	}
	return evidence.CellKey{Release: r, Operation: op, Arm: arm, Step: step, Threshold: uint64(th.Int())}, true
}

func (d *decoder) cell(k evidence.CellKey) *evidence.Cell {
	c := d.cells[k]
	if c == nil {
		c = new(evidence.Cell)
		d.cells[k] = c
		d.order = append(d.order, k)
	}
	return c
}

// finish checks each assembled cell and hands the valid ones to evidence.
func (d *decoder) finish() Instance {
	for _, k := range d.order {
		c := d.cells[k]
		if !consistent(c) {
			d.rejected++
			continue
		}
		d.ev.AddCell(k, *c)
	}
	// Evidence may refuse what passed here (its own rules): count that too.
	rejected := d.rejected + int(d.ev.Stats().Rejected)
	return Instance{ID: d.id, Interval: time.Duration(d.interval), Evidence: d.ev,
		Watermark: d.watermark, HasWatermark: d.hasWM, Rejected: rejected}
}

// consistent checks what must hold of any honest cell: errors are calls;
// each second moment is at least its first moment (every n_t >= 1) and at
// most its square; a latency histogram counts exactly the calls.
func consistent(c *evidence.Cell) bool {
	if c.Calls <= 0 || c.Calls > maxValue || c.Errors > c.Calls {
		return false
	}
	sq := square(c.Calls)
	if c.TraceCalls2 < c.Calls || c.TraceCalls2 > sq || c.TraceErrors2 < c.Errors || c.TraceErrors2 > sq ||
		c.TraceCallsErrors < c.Errors || c.TraceCallsErrors > sq {
		return false
	}
	if total := c.Latency.Total(); total != 0 && total != uint64(c.Calls) {
		return false
	}
	return true
}

// square returns x*x, saturated at the largest int64.
func square(x int64) int64 {
	hi, lo := bits.Mul64(uint64(x), uint64(x))
	if hi != 0 || lo > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(lo)
}

func release(attrs pcommon.Map) (evidence.Release, bool) {
	s, ok1 := strAttr(attrs, AttrReleaseService)
	v, ok2 := strAttr(attrs, AttrReleaseVersion)
	return evidence.Release{Service: s, Version: v}, ok1 && ok2 && s != ""
}

// operation reads the operation attributes: all three present, or none
// (the release level).
func operation(attrs pcommon.Map) (evidence.Operation, bool) {
	s, ok1 := strAttr(attrs, AttrOperationService)
	n, ok2 := strAttr(attrs, AttrOperationName)
	k, ok3 := strAttr(attrs, AttrOperationKind)
	switch {
	case !ok1 && !ok2 && !ok3:
		return evidence.Operation{}, true
	case ok1 && ok2 && ok3 && s != "":
		return evidence.Operation{Service: s, Name: n, Kind: k}, true
	}
	return evidence.Operation{}, false
}

func strAttr(attrs pcommon.Map, key string) (string, bool) {
	v, ok := attrs.Get(key)
	if !ok || v.Type() != pcommon.ValueTypeStr {
		return "", false
	}
	return v.Str(), true
}

func boolAttr(attrs pcommon.Map, key string) (bool, bool) {
	v, ok := attrs.Get(key)
	if !ok || v.Type() != pcommon.ValueTypeBool {
		return false, false
	}
	return v.Bool(), true
}

func traceID(attrs pcommon.Map) ([16]byte, bool) {
	var id [16]byte
	s, ok := strAttr(attrs, AttrTraceID)
	if !ok || len(s) != 32 {
		return id, false
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, false
	}
	return id, true
}

func dataPoints(m pmetric.Metric) int {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return m.Gauge().DataPoints().Len()
	case pmetric.MetricTypeSum:
		return m.Sum().DataPoints().Len()
	case pmetric.MetricTypeHistogram:
		return m.Histogram().DataPoints().Len()
	case pmetric.MetricTypeExponentialHistogram:
		return m.ExponentialHistogram().DataPoints().Len()
	case pmetric.MetricTypeSummary:
		return m.Summary().DataPoints().Len()
	}
	return 0
}
