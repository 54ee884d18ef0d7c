package judge

import (
	"encoding/hex"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/canarytrace/canarytrace/internal/evidence"
)

// Judge re-judges every release's accumulated evidence at each step. It is
// deterministic: fed the same evidence for the same sequence of steps, two
// Judges return the same verdicts. It is not safe for concurrent use.
type Judge struct {
	criteria   Criteria
	perService map[string]Criteria
	runs       map[evidence.Release]*run
	folded     evidence.Step
	started    bool
	stats      Stats
}

// Stats counts what the judge set aside.
type Stats struct {
	// EarlyCells counts cells of steps before their release's run start.
	EarlyCells uint64
}

// New returns a judge applying c to every release.
func New(c Criteria) (*Judge, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &Judge{criteria: c, perService: map[string]Criteria{}, runs: map[evidence.Release]*run{}}, nil
}

// SetCriteria overrides the criteria of one service's releases (an
// operator's edit). Accumulated evidence is kept: the statistics do not
// depend on the tolerances until a verdict is computed. Checks already
// failed or passed stay so.
func (j *Judge) SetCriteria(service string, c Criteria) error {
	if err := c.Validate(); err != nil {
		return err
	}
	j.perService[service] = c
	return nil
}

// CriteriaOf returns the criteria applied to a service.
func (j *Judge) CriteriaOf(service string) Criteria {
	if c, ok := j.perService[service]; ok {
		return c
	}
	return j.criteria
}

// Stats returns the counters.
func (j *Judge) Stats() Stats { return j.stats }

// Forget drops a release's run (after it is promoted or rolled back for
// good) so the judge's memory stays bounded.
func (j *Judge) Forget(r evidence.Release) { delete(j.runs, r) }

// Judge folds the steps of ev after the last judged step up to and
// including upTo, and returns the verdict of every release, sorted by
// release. Each step is folded once: evidence that arrives for a step
// already judged is not re-tested (its within-step weights are fixed; the
// connector's and exporter's watermarks exist to make that rare), so the
// caller may DropBefore(upTo+1) afterwards.
func (j *Judge) Judge(ev *evidence.Evidence, upTo evidence.Step) []ReleaseVerdict {
	j.fold(ev, upTo)
	out := make([]ReleaseVerdict, 0, len(j.runs))
	for _, r := range j.sortedRuns() {
		out = append(out, r.verdict(j.CriteriaOf(r.run.Release.Service), ev, upTo))
	}
	return out
}

type stepKey struct {
	release evidence.Release
	op      evidence.Operation
	step    evidence.Step
}

func (j *Judge) fold(ev *evidence.Evidence, upTo evidence.Step) {
	for _, r := range ev.Runs() {
		if _, ok := j.runs[r.Release]; !ok {
			j.runs[r.Release] = newRun(r)
		}
	}
	if j.started && upTo <= j.folded {
		return
	}
	groups := map[stepKey]*[2]armStep{}
	var keys []stepKey
	from := evidence.Step(math.MinInt64)
	if j.started {
		from = j.folded + 1
	}
	ev.CellsBetween(from, upTo, func(k evidence.CellKey, c *evidence.Cell) {
		r, ok := j.runs[k.Release]
		if !ok || k.Step < r.run.Start {
			j.stats.EarlyCells++
			return
		}
		if k.Operation.IsRelease() {
			r.release[armIndex(k.Arm)].add(evidence.AdjustedCount(k.Threshold), c)
			return
		}
		sk := stepKey{k.Release, k.Operation, k.Step}
		g, ok := groups[sk]
		if !ok {
			g = new([2]armStep)
			groups[sk] = g
			keys = append(keys, sk)
		}
		g[armIndex(k.Arm)].add(k, c)
	})
	// Fold in step order so operations are ranked by discovery: at one
	// step, in operation order. ev.Cells is sorted by operation then step.
	sort.SliceStable(keys, func(a, b int) bool { return keys[a].step < keys[b].step })
	for _, sk := range keys {
		j.runs[sk.release].opOf(sk.op).fold(groups[sk])
	}
	for _, r := range j.runs {
		if r.firstBlock == 0 && len(r.ops) > 0 {
			r.firstBlock = len(r.ops) // the operations of the run's first judgement
		}
	}
	j.folded, j.started = upTo, true
}

func (j *Judge) sortedRuns() []*run {
	rs := make([]*run, 0, len(j.runs))
	for _, r := range j.runs {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(a, b int) bool {
		x, y := rs[a].run.Release, rs[b].run.Release
		if x.Service != y.Service {
			return x.Service < y.Service
		}
		return x.Version < y.Version
	})
	return rs
}

// run is what persists per run: accumulators, operation ranks, and the
// checks that have failed or passed (both final: a boundary crossed at any
// step is a valid conclusion at that step).
type run struct {
	run  evidence.Run
	ops  []*opRun
	byOp map[evidence.Operation]*opRun
	// firstBlock is the number of operations present at the first fold.
	firstBlock int
	release    [2]moments
	settled    map[checkID]Verdict
	current    Verdict
	since      evidence.Step
	reason     string // the reason of a rollback: the last one a failing check gave
}

type checkID struct {
	op    evidence.Operation
	check string
}

func newRun(r evidence.Run) *run {
	return &run{run: r, byOp: map[evidence.Operation]*opRun{}, settled: map[checkID]Verdict{}, since: r.Start}
}

func (r *run) opOf(op evidence.Operation) *opRun {
	if o, ok := r.byOp[op]; ok {
		return o
	}
	o := &opRun{op: op, rank: len(r.ops) + 1}
	r.ops = append(r.ops, o)
	r.byOp[op] = o
	return o
}

func (r *run) verdict(c Criteria, ev *evidence.Evidence, step evidence.Step) ReleaseVerdict {
	lv := levelsOf(c)
	var checks []CheckResult
	// Release level: every operation is a stratum.
	pooled := r.pooled()
	checks = append(checks, r.errorCheck(pooled, r.ops, c, lv.releaseError, lv.releasePass, ev))
	for _, q := range c.Latency.Quantiles {
		checks = append(checks, r.latencyCheck(pooled, r.ops, q, c, lv.releaseLatency, lv.releasePass, tunedForRelease, ev))
	}
	nRelease := len(checks)
	ops := append([]*opRun(nil), r.ops...)
	sort.Slice(ops, func(a, b int) bool { return ops[a].rank < ops[b].rank })
	for _, o := range ops {
		one := []*opRun{o}
		a := lv.opError(o.rank, r.firstBlock)
		checks = append(checks, r.errorCheck(o, one, c, a, a, ev))
		a = lv.opLatency(o.rank, r.firstBlock)
		for _, q := range c.Latency.Quantiles {
			checks = append(checks, r.latencyCheck(o, one, q, c, a, a, tunedForOperation, ev))
		}
	}
	return r.conclude(checks, nRelease, c, step)
}

// pooled sums the operations' accumulators for the estimates shown at the
// release level (the tests use the operations as strata instead).
func (r *run) pooled() *opRun {
	p := &opRun{}
	for _, o := range r.ops {
		p.t += o.t
		for i := range p.arm {
			a, b := &p.arm[i], &o.arm[i]
			a.calls += b.calls
			a.errorsHT += b.errorsHT
			a.observed += b.observed
			a.histogram.addWeighted(&b.histogram)
		}
	}
	for i := range p.arm {
		p.arm[i].moments = r.release[i]
	}
	return p
}

func (r *run) conclude(checks []CheckResult, nRelease int, c Criteria, step evidence.Step) ReleaseVerdict {
	v := ReleaseVerdict{Release: r.run.Release, Run: r.run.ID(), Step: step, Checks: checks}
	evaluated, passed := 0, 0
	var failed *CheckResult
	nFailed := 0
	allPass := nRelease > 0
	for i := range checks {
		ch := &checks[i]
		if ch.Verdict == Fail {
			nFailed++
			if failed == nil || moreTelling(ch, failed, r.run.Release.Service) {
				failed = ch
			}
		}
		if ch.Evaluated {
			evaluated++
			if ch.Verdict == Pass {
				passed++
			}
		}
		if i < nRelease && ch.Verdict != Pass {
			allPass = false
		}
	}
	if evaluated > 0 {
		v.Score = math.Round(1000*float64(passed)/float64(evaluated)) / 10
	}
	// A rollback is final for the run, but what it names is not: a check
	// failing later can say more about where the canary broke (a callee
	// failing one step after the release's call of it), so the reason
	// names the most telling check failing now.
	next, reason := Inconclusive, ""
	switch {
	case failed == nil && r.current == Fail:
		next, reason = Fail, r.reason
	case failed != nil:
		next = Fail
		where := "release"
		if !failed.Operation.IsRelease() {
			where = failed.Operation.String()
		}
		reason = fmt.Sprintf("%s of %s failed: %s", failed.Check, where, failed.Reason)
		if nFailed > 1 {
			reason += fmt.Sprintf(" (%d failing checks in all)", nFailed)
		}
	case allPass:
		next, reason = Pass, fmt.Sprintf("all %d release-level checks pass and no operation check fails", nRelease)
	default:
		reason = waiting(checks[:nRelease], c)
	}
	if next != r.current {
		r.current, r.since = next, step
	}
	if next == Fail {
		r.reason = reason
	}
	v.Verdict, v.Reason, v.Since = r.current, reason, r.since
	return v
}

// moreTelling reports whether failing check a says more about where the
// canary broke than failing check b, for a release of service: an
// operation's failure before the release's (it says where); then another
// service's operation before one of the release's own client spans (a
// call that fails or slows because its callee does shows the callee's
// failure again, often by a larger factor, as retries and timeouts add
// up: the callee is where it broke); then the larger canary/stable ratio.
// A regression in one operation also fails the operations that wait on it
// (a slow query slows the request that makes it) but by a smaller factor,
// so the largest ratio points at the cause rather than its callers.
func moreTelling(a, b *CheckResult, service string) bool {
	if a.Operation.IsRelease() != b.Operation.IsRelease() {
		return !a.Operation.IsRelease()
	}
	ac, bc := ownClient(a.Operation, service), ownClient(b.Operation, service)
	switch {
	case bc && !ac && a.Operation.Service != service:
		return true
	case ac && !bc && b.Operation.Service != service:
		return false
	}
	return severity(a) > severity(b)
}

// ownClient reports whether op is a client span of the release's service.
// Kinds are spelled as the connector writes them (SPAN_KIND_CLIENT) or
// short (client).
func ownClient(op evidence.Operation, service string) bool {
	return op.Service == service && (op.Kind == "SPAN_KIND_CLIENT" || strings.EqualFold(op.Kind, "client"))
}

// severity is canary over stable, +Inf when stable is zero and canary is not.
func severity(c *CheckResult) float64 {
	switch {
	case c.Stable > 0:
		return c.Canary / c.Stable
	case c.Canary > 0:
		return math.Inf(1)
	default:
		return 0
	}
}

// waiting explains an inconclusive release.
func waiting(release []CheckResult, c Criteria) string {
	for _, ch := range release {
		if ch.Samples.Canary < c.MinSamples || ch.Samples.Stable < c.MinSamples {
			return fmt.Sprintf("waiting for min_samples %d per arm: %s has %s canary and %s stable samples",
				c.MinSamples, ch.Check, count(float64(ch.Samples.Canary)), count(float64(ch.Samples.Stable)))
		}
	}
	for _, ch := range release {
		if !ch.Evaluated {
			return "waiting for evidence: " + ch.Check + ": " + ch.Reason
		}
	}
	var open []string
	for _, ch := range release {
		if ch.Verdict != Pass {
			open = append(open, ch.Check)
		}
	}
	return fmt.Sprintf("not yet shown within tolerance: %v", open)
}

// settle applies finality: a check that failed stays failed, one that passed
// stays passed unless it fails later.
func (r *run) settle(id checkID, now Verdict) Verdict {
	prev := r.settled[id]
	switch {
	case prev == Fail || now == Fail:
		r.settled[id] = Fail
		return Fail
	case prev == Pass || now == Pass:
		r.settled[id] = Pass
		return Pass
	}
	return Inconclusive
}

func hexIDs(xs []evidence.Exemplar, keep func(evidence.Exemplar) bool) []string {
	var out []string
	for _, x := range xs {
		if keep(x) {
			out = append(out, hex.EncodeToString(x.TraceID[:]))
		}
	}
	return out
}

func exemplarsOf(ev *evidence.Evidence, rel evidence.Release, ops []*opRun, keep func(evidence.Exemplar) bool) []string {
	var out []string
	for _, o := range ops {
		out = append(out, hexIDs(ev.ExemplarsOf(evidence.ExemplarKey{Release: rel, Operation: o.op}), keep)...)
		if len(out) >= evidence.ExemplarsPerKind {
			return out[:evidence.ExemplarsPerKind]
		}
	}
	return out
}
