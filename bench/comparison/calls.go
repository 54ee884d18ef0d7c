package comparison

import (
	"context"
	"slices"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/canarytrace/canarytrace/bench/workload"
)

// Calls is what a connector's call counter says, per stage, at the end of
// a run: the sanity check that both connectors counted the same spans.
type Calls struct {
	Calls  [workload.NumStages]float64
	Errors [workload.NumStages]float64
	// Verdicts is the number of canary.verdict data points received: what
	// shows a connector judged while it counted.
	Verdicts int
}

// Matches reports whether the counts are exactly the generated calls and
// errors of each stage.
func (c Calls) Matches(t workload.Truth) bool {
	for st := range workload.NumStages {
		if c.Calls[st] != float64(t.Calls[st]) || c.Errors[st] != float64(t.Errors[st]) {
			return false
		}
	}
	return true
}

// callCounter reads a connector's call counter: which Sum holds it and how
// a data point's attributes name its stage and outcome.
type callCounter struct {
	metric string
	// classify returns the stage and whether the point counts errors; ok
	// is false for a point of neither stage.
	classify func(pcommon.Map) (st workload.Stage, isErr, ok bool)
}

// metricsSink is the next consumer of a connector. It holds what arrives
// and, in result, keeps the latest value of every series of the call
// counter (adding deltas, replacing cumulative values), so that whatever
// a connector emits and however often, the totals are its final counts.
// Counting there, after the run, keeps the harness's own work out of the
// connector's CPU: canary_analysis emits every step, spanmetrics twice. It
// signals every batch on received, for a run that must wait for a flush
// on another goroutine.
type metricsSink struct {
	counter  callCounter
	received chan struct{}

	mu sync.Mutex
	// held is what arrived and is not counted yet: counting is the
	// harness's work, not the connector's, so it waits for result,
	// outside the measurement.
	held     []pmetric.Metrics
	series   map[string]point
	verdicts int
}

// point is a series' latest total and what it counts.
type point struct {
	value float64
	stage workload.Stage
	isErr bool
}

var _ consumer.Metrics = (*metricsSink)(nil)

func newMetricsSink(c callCounter) *metricsSink {
	return &metricsSink{
		counter:  c,
		received: make(chan struct{}, 1),
		series:   map[string]point{},
	}
}

func (*metricsSink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (s *metricsSink) ConsumeMetrics(_ context.Context, md pmetric.Metrics) error {
	s.mu.Lock()
	s.held = append(s.held, md)
	s.mu.Unlock()
	select {
	case s.received <- struct{}{}:
	default:
	}
	return nil
}

// count adds what arrived to the series and verdicts. The caller holds
// the lock.
func (s *metricsSink) count() {
	for _, md := range s.held {
		for _, rm := range md.ResourceMetrics().All() {
			for _, sm := range rm.ScopeMetrics().All() {
				for _, m := range sm.Metrics().All() {
					switch {
					case m.Name() == verdictMetric:
						s.verdicts += m.Gauge().DataPoints().Len()
					case m.Name() == s.counter.metric && m.Type() == pmetric.MetricTypeSum:
						s.addSum(rm.Resource().Attributes(), m.Sum())
					}
				}
			}
		}
	}
	s.held = nil
}

// verdictMetric is canary_analysis's verdict gauge.
const verdictMetric = "canary.verdict"

func (s *metricsSink) addSum(res pcommon.Map, sum pmetric.Sum) {
	delta := sum.AggregationTemporality() == pmetric.AggregationTemporalityDelta
	for _, dp := range sum.DataPoints().All() {
		st, isErr, ok := s.counter.classify(dp.Attributes())
		if !ok {
			continue
		}
		v := dp.DoubleValue()
		if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
			v = float64(dp.IntValue())
		}
		k := seriesID(res, dp.Attributes())
		if delta {
			v += s.series[k].value
		}
		s.series[k] = point{value: v, stage: st, isErr: isErr}
	}
}

// seriesID names a series by its resource and point attributes, sorted:
// the identity a metrics backend would give it.
func seriesID(res, attrs pcommon.Map) string {
	var b strings.Builder
	for _, m := range []pcommon.Map{res, attrs} {
		keys := make([]string, 0, m.Len())
		for k := range m.All() {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			v, _ := m.Get(k)
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(v.AsString())
			b.WriteByte(0)
		}
		b.WriteByte(1)
	}
	return b.String()
}

func (s *metricsSink) result() Calls {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count()
	c := Calls{Verdicts: s.verdicts}
	for _, p := range s.series {
		c.Calls[p.stage] += p.value
		if p.isErr {
			c.Errors[p.stage] += p.value
		}
	}
	return c
}

// stageOf maps a stage attribute's value to a workload stage.
func stageOf(attrs pcommon.Map, key string) (workload.Stage, bool) {
	v, ok := attrs.Get(key)
	if !ok {
		return 0, false
	}
	switch v.Str() {
	case "canary":
		return workload.CanaryStage, true
	case "stable":
		return workload.StableStage, true
	}
	return 0, false
}
