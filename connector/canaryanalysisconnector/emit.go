package canaryanalysisconnector

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// emitter builds one scope of output metrics, creating each metric on
// first use so that an evaluation without, say, verdicts carries no empty
// metric.
type emitter struct {
	sm      pmetric.ScopeMetrics
	metrics map[string]pmetric.Metric
}

func newEmitter(sm pmetric.ScopeMetrics) *emitter {
	return &emitter{sm: sm, metrics: map[string]pmetric.Metric{}}
}

func (e *emitter) metric(name, unit, description string) (pmetric.Metric, bool) {
	if m, ok := e.metrics[name]; ok {
		return m, false
	}
	m := e.sm.Metrics().AppendEmpty()
	m.SetName(name)
	m.SetUnit(unit)
	m.SetDescription(description)
	e.metrics[name] = m
	return m, true
}

func (e *emitter) gauge(name, unit, description string) pmetric.NumberDataPointSlice {
	m, isNew := e.metric(name, unit, description)
	if isNew {
		m.SetEmptyGauge()
	}
	return m.Gauge().DataPoints()
}

func (e *emitter) sum(name, unit, description string, t pmetric.AggregationTemporality) pmetric.NumberDataPointSlice {
	m, isNew := e.metric(name, unit, description)
	if isNew {
		m.SetEmptySum().SetAggregationTemporality(t)
		m.Sum().SetIsMonotonic(true)
	}
	return m.Sum().DataPoints()
}

func (e *emitter) expHistogram(name, unit, description string, t pmetric.AggregationTemporality) pmetric.ExponentialHistogramDataPointSlice {
	m, isNew := e.metric(name, unit, description)
	if isNew {
		m.SetEmptyExponentialHistogram().SetAggregationTemporality(t)
	}
	return m.ExponentialHistogram().DataPoints()
}

// putOperation writes an operation's dimensions: service.name as
// serviceKey, span.name and span.kind when they are dimensions, and each
// extra dimension under its own key.
func (c *canaryConnector) putOperation(attrs pcommon.Map, serviceKey string, op *operation) {
	r := c.dims()
	// Room for the operation's attributes and the few the callers add
	// (version, stage, status or quantile): one allocation, not three.
	attrs.EnsureCapacity(attrs.Len() + 6 + len(r.extraDims))
	attrs.PutStr(serviceKey, op.key.service)
	if r.withName || op.overflow {
		attrs.PutStr(attrSpanName, op.key.name)
	}
	if r.withKind {
		attrs.PutStr(attrSpanKind, op.key.kind)
	}
	if len(r.extraDims) == 0 || op.overflow {
		return
	}
	values := strings.Split(op.key.extra, extraSep)
	for i, d := range r.extraDims {
		if i < len(values) {
			attrs.PutStr(d, values[i])
		}
	}
}

// dims returns the dimension layout (a reader holds it).
func (c *canaryConnector) dims() *reader {
	if c.layout == nil {
		c.layout = newReader(&c.cfg)
	}
	return c.layout
}
