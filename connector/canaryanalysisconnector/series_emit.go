package canaryanalysisconnector

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/canarytrace/canarytrace/internal/eventtime"
	"github.com/canarytrace/canarytrace/internal/evidence"
)

// emitSeries writes canary.calls and canary.duration at the end of step
// last. Cumulative temporality writes every series' totals since it
// started; delta writes what changed since the previous emission.
//
// canary.duration is an exponential histogram at scale 4 (the evidence's
// buckets). Its bucket counts must be integers, but adjusted counts are
// not: each bucket's cumulative weight is rounded to the nearest integer
// (a delta is the change of that rounded value), so the counts stay within
// 0.5 per bucket of the Horvitz–Thompson estimate however long the run;
// Sum is the unrounded weighted sum of durations. canary.calls is a double
// sum and carries the estimate unrounded.
func (c *canaryConnector) emitSeries(e *emitter, last eventtime.Step) {
	delta := c.cfg.Temporality == temporalityDelta
	t := pmetric.AggregationTemporalityCumulative
	if delta {
		t = pmetric.AggregationTemporalityDelta
	}
	end := pcommon.NewTimestampFromTime(last.End(c.cfg.Interval))
	for k, s := range c.series {
		if delta && !s.dirty {
			continue
		}
		if s.dirty {
			s.total() // else unchanged since the last emission
		}
		start := pcommon.Timestamp(s.start)
		if delta {
			start = pcommon.Timestamp(s.lastEmit)
		}
		for i, status := range [...]string{"ok", "error"} {
			v := s.calls[i]
			if delta {
				v -= s.sentCalls[i]
			}
			if s.calls[i] == 0 || delta && v == 0 {
				continue
			}
			dp := c.seriesPoint(e.sum(metricCalls, "{call}", "Estimated calls (sum of adjusted counts).", t), k, start, end)
			dp.SetDoubleValue(v)
			dp.Attributes().PutStr(attrStatus, status)
		}
		hp := e.expHistogram(metricDuration, "s", "Estimated call durations (adjusted counts, rounded per bucket).", t).AppendEmpty()
		hp.SetStartTimestamp(start)
		hp.SetTimestamp(end)
		c.putSeries(hp.Attributes(), k)
		c.fillHistogram(hp, s, delta)

		s.sentCalls, s.sentSum = s.calls, s.sum
		s.lastEmit = int64(end)
		s.dirty = false
	}
}

func (c *canaryConnector) seriesPoint(dps pmetric.NumberDataPointSlice, k seriesKey, start, end pcommon.Timestamp) pmetric.NumberDataPoint {
	dp := dps.AppendEmpty()
	dp.SetStartTimestamp(start)
	dp.SetTimestamp(end)
	c.putSeries(dp.Attributes(), k)
	return dp
}

func (c *canaryConnector) putSeries(attrs pcommon.Map, k seriesKey) {
	c.putOperation(attrs, attrServiceName, k.op)
	attrs.PutStr(attrServiceVersion, k.version)
	attrs.PutStr(attrDeploymentStage, k.arm.String())
}

func (c *canaryConnector) fillHistogram(hp pmetric.ExponentialHistogramDataPoint, s *series, delta bool) {
	h := &s.hist
	hp.SetScale(evidence.Scale)
	// max: the totals are summed anew for each emission, in an order that
	// can come out an ulp lower than the last one; a count never goes down
	// (and a delta of unsigned counts must not wrap).
	zero := max(roundCount(h.zero), h.sentZero)
	count := zero
	if delta {
		hp.SetZeroCount(zero - h.sentZero)
		count -= h.sentZero
	} else {
		hp.SetZeroCount(zero)
	}
	h.sentZero = zero
	hp.Positive().SetOffset(h.offset)
	counts := hp.Positive().BucketCounts()
	counts.EnsureCapacity(len(h.w))
	for j, w := range h.w {
		n := max(roundCount(w), h.sent[j])
		d := n
		if delta {
			d -= h.sent[j]
		}
		counts.Append(d)
		count += d
		h.sent[j] = n
	}
	hp.SetCount(count)
	if delta {
		hp.SetSum(s.sum - s.sentSum)
	} else {
		hp.SetSum(s.sum)
	}
}
