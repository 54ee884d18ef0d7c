package canaryanalysisconnector

import (
	"cmp"
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector/internal/metadata"
	"github.com/canarytrace/canarytrace/internal/eventtime"
	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/evidencemetrics"
	"github.com/canarytrace/canarytrace/internal/judge"
	"github.com/canarytrace/canarytrace/internal/release"
	"github.com/canarytrace/canarytrace/internal/stage"
)

// evaluate judges each step of the run and builds the metrics to send:
// per step the window gauges and the verdicts; once, the user metrics and
// the evidence observed since the last export. It returns the verdicts
// that changed and the number of runs that expired. The caller holds the
// lock.
func (c *canaryConnector) evaluate(steps eventtime.Steps) (pmetric.Metrics, []judge.ReleaseVerdict, int) {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr(attrServiceInstanceID, c.instance)
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(metadata.ScopeName)
	e := newEmitter(sm)

	// The pending trace cache persists across Reset, so the second moments
	// of a trace whose spans straddle two evaluations add up exactly.
	c.evidence.Merge(c.pending)
	ops := c.sortedOperations()
	var changes []judge.ReleaseVerdict
	for s := steps.First; s <= steps.Last; s++ {
		c.emitWindows(e, ops, s)
		changes = append(changes, c.judgeStep(e, s)...)
	}
	c.emitSeries(e, steps.Last)
	if c.cfg.ExportEvidence {
		evidencemetrics.Encode(c.pending, evidencemetrics.Export{
			Interval: c.cfg.Interval, Watermark: evidence.Step(steps.Last), HasWatermark: true,
		}, sm)
	}
	c.pending.Reset()
	return md, changes, c.expire(steps.Last)
}

func (c *canaryConnector) sortedOperations() []*operation {
	ops := make([]*operation, 0, len(c.ops.byKey))
	for _, op := range c.ops.byKey {
		ops = append(ops, op)
	}
	slices.SortFunc(ops, func(a, b *operation) int {
		return cmp.Or(cmp.Compare(a.key.service, b.key.service), cmp.Compare(a.key.name, b.key.name),
			cmp.Compare(a.key.kind, b.key.kind), cmp.Compare(a.key.extra, b.key.extra))
	})
	return ops
}

func stepBounds(s eventtime.Step, c *Config) (start, end pcommon.Timestamp) {
	return pcommon.NewTimestampFromTime(s.Start(c.Interval)), pcommon.NewTimestampFromTime(s.End(c.Interval))
}

// emitWindows writes canary.error_rate and canary.latency for every
// operation arm with calls in the window ending with step s. The estimates
// are Horvitz–Thompson: weighted by adjusted count.
func (c *canaryConnector) emitWindows(e *emitter, ops []*operation, s eventtime.Step) {
	_, end := stepBounds(s, &c.cfg)
	start, _ := stepBounds(s-eventtime.Step(c.windowSteps)+1, &c.cfg)
	for _, op := range ops {
		for _, arm := range [...]stage.Arm{stage.Canary, stage.Stable} {
			// The arm's versions together.
			c.scratch.reset()
			var calls, errs float64
			for _, sr := range op.series[arm-1] {
				n, e := sr.win.stats(s, &c.scratch)
				calls, errs = calls+n, errs+e
			}
			if calls <= 0 {
				continue
			}
			dp := e.gauge(metricErrorRate, "1", "Share of calls that failed in the window (estimated from adjusted counts).").AppendEmpty()
			dp.SetStartTimestamp(start)
			dp.SetTimestamp(end)
			dp.SetDoubleValue(errs / calls)
			c.putOperation(dp.Attributes(), attrServiceName, op)
			dp.Attributes().PutStr(attrDeploymentStage, arm.String())
			for _, q := range c.cfg.Latency.Quantiles {
				v, ok := c.scratch.quantile(q)
				if !ok {
					continue
				}
				dp := e.gauge(metricLatency, "s", "Latency quantile of calls in the window (estimated from adjusted counts).").AppendEmpty()
				dp.SetStartTimestamp(start)
				dp.SetTimestamp(end)
				dp.SetDoubleValue(v)
				c.putOperation(dp.Attributes(), attrServiceName, op)
				dp.Attributes().PutStr(attrDeploymentStage, arm.String())
				dp.Attributes().PutDouble(attrQuantile, q)
			}
		}
	}
}

// expire ends runs with no canary span for release_expiry and forgets
// operations with no span for as long, freeing their series.
func (c *canaryConnector) expire(last eventtime.Step) int {
	cutoff := last.End(c.cfg.Interval).Add(-c.cfg.ReleaseExpiry).UnixNano()
	gone := c.releases.Expire(cutoff)
	if len(gone) > 0 {
		keep := evidence.NewWithTraceCache(mergedOnly)
		dropped := map[evidence.Release]bool{}
		for _, rel := range gone {
			r := evidence.Release{Service: rel.Key.Service, Version: rel.Key.Version}
			dropped[r] = true
			c.judge.Forget(r)
			delete(c.verdicts, rel.Key)
		}
		// Evidence cannot drop one release, so the others are carried over.
		c.evidence.Cells(func(k evidence.CellKey, cell *evidence.Cell) {
			if !dropped[k.Release] {
				keep.AddCell(k, cell.Clone())
			}
		})
		for _, r := range c.evidence.Runs() {
			if !dropped[r.Release] {
				keep.AddRun(r.Release, r.Start)
			}
		}
		c.evidence.Exemplars(func(k evidence.ExemplarKey, xs []evidence.Exemplar) {
			if !dropped[k.Release] {
				for _, x := range xs {
					keep.AddExemplar(k, x)
				}
			}
		})
		c.evidence = keep
	}
	var goneOps map[*operation]bool
	c.ops.expire(cutoff, func(op *operation) {
		if goneOps == nil {
			goneOps = map[*operation]bool{}
		}
		goneOps[op] = true
	})
	// A series ends with its operation, or when its version stops: every
	// deploy brings new versions, and their old series would pile up.
	for k, s := range c.series {
		if goneOps[k.op] || s.lastEnd < cutoff {
			// No resource is being recorded: none holds s (resourceOp).
			delete(c.series, k)
			k.op.series[k.arm-1] = slices.DeleteFunc(k.op.series[k.arm-1], func(x *series) bool { return x == s })
		}
	}
	return len(gone)
}

// releaseKey converts between the two spellings of a release.
func releaseKey(r evidence.Release) release.Key {
	return release.Key{Service: r.Service, Version: r.Version}
}
