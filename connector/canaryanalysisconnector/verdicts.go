package canaryanalysisconnector

import (
	"encoding/hex"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/canarytrace/canarytrace/internal/eventtime"
	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/judge"
)

// judgeStep folds step s into the judge, writes canary.verdict and
// canary.score for every release, and returns the releases whose overall
// verdict changed (a run starts inconclusive). The judged cells are
// dropped: the judge keeps running statistics, not the cells.
func (c *canaryConnector) judgeStep(e *emitter, s eventtime.Step) []judge.ReleaseVerdict {
	verdicts := c.judge.Judge(c.evidence, evidence.Step(s))
	c.evidence.DropBefore(evidence.Step(s) + 1)
	start, end := stepBounds(s, &c.cfg)
	var changes []judge.ReleaseVerdict
	for _, rv := range verdicts {
		key := releaseKey(rv.Release)
		if c.verdicts[key] != rv.Verdict {
			changes = append(changes, rv)
			c.verdicts[key] = rv.Verdict
		}
		if c.onVerdict != nil {
			c.onVerdict(rv)
		}
		verdict := e.gauge(metricVerdict, "1", "1 pass/promote, 0 inconclusive, -1 fail/rollback.")
		dp := verdict.AppendEmpty()
		c.putRelease(dp, rv.Release, start, end)
		dp.Attributes().PutStr(attrCheck, judge.CheckOverall)
		dp.SetDoubleValue(float64(rv.Verdict))

		score := e.gauge(metricScore, "%", "Share of the release's evaluated checks that pass.").AppendEmpty()
		c.putRelease(score, rv.Release, start, end)
		score.SetDoubleValue(rv.Score)

		for i := range rv.Checks {
			c.emitCheck(verdict.AppendEmpty(), rv.Release, &rv.Checks[i], start, end)
		}
	}
	return changes
}

func (c *canaryConnector) putRelease(dp pmetric.NumberDataPoint, r evidence.Release, start, end pcommon.Timestamp) {
	dp.SetStartTimestamp(start)
	dp.SetTimestamp(end)
	attrs := dp.Attributes()
	// Room for an operation check's attributes too (check, operation).
	attrs.EnsureCapacity(6)
	attrs.PutStr(attrServiceName, r.Service)
	attrs.PutStr(attrServiceVersion, r.Version)
}

// emitCheck writes one check's row; operation rows name the operation
// (operation.service, span.name, span.kind), and failing checks carry
// canary trace IDs as exemplars.
func (c *canaryConnector) emitCheck(dp pmetric.NumberDataPoint, r evidence.Release, cr *judge.CheckResult, start, end pcommon.Timestamp) {
	c.putRelease(dp, r, start, end)
	attrs := dp.Attributes()
	attrs.PutStr(attrCheck, cr.Check)
	if !cr.Operation.IsRelease() {
		attrs.PutStr(attrOperationService, cr.Operation.Service)
		attrs.PutStr(attrSpanName, cr.Operation.Name)
		attrs.PutStr(attrSpanKind, cr.Operation.Kind)
	}
	dp.SetDoubleValue(float64(cr.Verdict))
	if cr.Verdict != judge.Fail {
		return
	}
	for i, id := range cr.Exemplars {
		if i == c.cfg.Exemplars {
			break
		}
		var tid pcommon.TraceID
		if n, err := hex.Decode(tid[:], []byte(id)); err != nil || n != len(tid) {
			continue
		}
		x := dp.Exemplars().AppendEmpty()
		x.SetTraceID(tid)
		x.SetTimestamp(end)
		x.SetDoubleValue(float64(cr.Verdict))
	}
}
