package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/canarytrace/canarytrace/exporter/canaryverdictexporter/internal/metadata"
	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/evidencemetrics"
	"github.com/canarytrace/canarytrace/internal/judge"
	"github.com/canarytrace/canarytrace/internal/stage"
)

// maxWindow is the longest window /api/v1/value?window= can ask for: the
// merged evidence of that many recent steps is kept beside the judge's own
// accumulators (which hold the whole run). 15 minutes covers an Argo
// analysis step's usual interval several times over.
const maxWindow = 15 * time.Minute

// evidenceFleet is the fleet: connector instances' evidence merged into one
// Evidence, judged by one judge.Judge at steps the clock declares ready.
type evidenceFleet struct {
	mu       sync.Mutex
	tb       *metadata.TelemetryBuilder
	clock    *stepClock
	merged   *evidence.Evidence
	judge    *judge.Judge
	defaults judge.Criteria
	// interval is the step length, learned from the first instance that
	// states one; instances with another are rejected (steps would not align).
	interval time.Duration
	// latest is each service's newest run start: older runs of a service
	// are superseded and no longer judged.
	latest map[string]evidence.Run
	// lastEvidence is, per release, the latest step any cell was seen for;
	// a run with none for runIdle steps is ended (its verdict final).
	lastEvidence map[evidence.Release]evidence.Step
	ended        map[evidence.Release]bool
	// dropped are superseded or ended releases: what instances still send
	// for them (old canary pods draining) is not merged.
	dropped map[evidence.Release]bool
	runIdle time.Duration
}

func newFleet(cfg *Config, tb *metadata.TelemetryBuilder) (*evidenceFleet, error) {
	j, err := judge.New(cfg.Criteria)
	if err != nil {
		return nil, err
	}
	return &evidenceFleet{
		tb:       tb,
		clock:    newStepClock(cfg.GracePeriod, cfg.InstanceExpiry, cfg.MaxInstances),
		merged:   evidence.NewWithTraceCache(1), // merged, never observed into
		judge:    j,
		defaults: cfg.Criteria,
		latest:   map[string]evidence.Run{},
		runIdle:  cfg.RunIdle,

		lastEvidence: map[evidence.Release]evidence.Step{},
		ended:        map[evidence.Release]bool{},
		dropped:      map[evidence.Release]bool{},
	}, nil
}

func (f *evidenceFleet) rejected(ctx context.Context, reason string, n int) {
	if n > 0 {
		f.tb.CanaryVerdictPointsRejected.Add(ctx, int64(n), metric.WithAttributes(attribute.String("reason", reason)))
	}
}

func (f *evidenceFleet) consume(ctx context.Context, md pmetric.Metrics, now time.Time) []judgedStep {
	instances := evidencemetrics.Decode(md)
	f.mu.Lock()
	defer f.mu.Unlock()
	var ev clockEvents
	for _, in := range instances {
		f.rejected(ctx, "malformed", in.Rejected)
		if in.Interval != 0 && f.interval != 0 && in.Interval != f.interval {
			f.rejected(ctx, "interval_mismatch", in.Evidence.Len())
			continue
		}
		if f.interval == 0 {
			f.interval = in.Interval
		}
		reached, ok := in.Watermark, in.HasWatermark
		earliest, any := evidence.Step(0), false
		late := 0
		in.Evidence.Cells(func(k evidence.CellKey, _ *evidence.Cell) {
			if last, seen := f.lastEvidence[k.Release]; !seen || k.Step > last {
				f.lastEvidence[k.Release] = k.Step
			}
			// An instance's watermark says which steps it has closed; its
			// cells may also belong to steps still open there, whose rest
			// comes later. Only an export without a watermark (a final
			// flush at shutdown) is complete through its newest cell.
			if !in.HasWatermark && (!ok || k.Step > reached) {
				reached, ok = k.Step, true
			}
			if !any || k.Step < earliest {
				earliest, any = k.Step, true
			}
			if f.clock.anyJudged && k.Step <= f.clock.judged {
				late++
			}
		})
		// Cells of steps already judged (from an instance later than the
		// grace period) are kept but never re-tested: the judge folds each
		// step once. Count them.
		f.rejected(ctx, "late_step", late)
		if f.holdsDropped(in.Evidence) {
			var removed int
			in.Evidence, removed = without(in.Evidence, f.dropped)
			f.rejected(ctx, "superseded_run", removed)
		}
		f.merged.Merge(in.Evidence)
		if !any {
			earliest = reached
		}
		if ok {
			f.clock.report(in.ID, earliest, reached, now, &ev)
		}
	}
	return f.judgeReady(ctx, now, &ev)
}

func (f *evidenceFleet) holdsDropped(ev *evidence.Evidence) bool {
	if len(f.dropped) == 0 {
		return false
	}
	for _, r := range ev.Runs() {
		if f.dropped[r.Release] {
			return true
		}
	}
	found := false
	ev.Cells(func(k evidence.CellKey, _ *evidence.Cell) { found = found || f.dropped[k.Release] })
	return found
}

func (f *evidenceFleet) tick(now time.Time) []judgedStep {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ev clockEvents
	return f.judgeReady(context.Background(), now, &ev)
}

// judgeReady judges every ready step in order and returns, per step, the
// newest run of each service.
func (f *evidenceFleet) judgeReady(ctx context.Context, now time.Time, ev *clockEvents) []judgedStep {
	steps := f.clock.ready(now, ev)
	f.tb.CanaryVerdictInstancesSeen.Add(ctx, int64(ev.newInstances))
	f.tb.CanaryVerdictInstancesExpired.Add(ctx, int64(ev.expired), metric.WithAttributes(attribute.String("reason", "expired")))
	f.tb.CanaryVerdictInstancesExpired.Add(ctx, int64(ev.evicted), metric.WithAttributes(attribute.String("reason", "max_instances")))
	f.tb.CanaryVerdictGraceJudgements.Add(ctx, int64(ev.graced))
	f.rejected(ctx, "steps_skipped", ev.skipped)
	if len(steps) == 0 || f.interval == 0 {
		return nil
	}
	var out []judgedStep
	for _, s := range steps {
		f.supersede()
		split := f.canaryShares(s)
		for _, v := range f.judge.Judge(f.merged, s) {
			if f.latest[v.Release.Service].Release != v.Release || f.ended[v.Release] {
				continue
			}
			rep, point := render(v)
			point.CanaryShare = split[v.Release]
			js := judgedStep{report: rep, at: f.stepEnd(s), point: point}
			last, seen := f.lastEvidence[v.Release]
			if !seen {
				// A run resumed from history: idle from its first step here.
				f.lastEvidence[v.Release], last = s, s
			}
			if s-last >= f.windowSteps(f.runIdle) {
				// No span of this release for run_idle: the run is over and
				// this verdict is its final one.
				js.ended = true
				f.ended[v.Release] = true
			}
			out = append(out, js)
		}
		f.tb.CanaryVerdictStepsJudged.Add(ctx, 1)
	}

	// The judge has folded everything up to the last step; only the recent
	// window is kept for /api/v1/value?window=.
	last := steps[len(steps)-1]
	f.merged.DropBefore(last + 1 - f.windowSteps(maxWindow))
	return out
}

// supersede keeps, per service, only the newest run (by start step)
// judged; older ones, and runs ended by run_idle, are dropped from the
// merged evidence and the judge, so work and memory stay bounded however
// many versions an exporter sees in its lifetime.
func (f *evidenceFleet) supersede() {
	gone := map[evidence.Release]bool{}
	for _, r := range f.merged.Runs() {
		cur, ok := f.latest[r.Release.Service]
		switch {
		case f.ended[r.Release]:
			gone[r.Release] = true
		case !ok || r.Start > cur.Start || (r.Start == cur.Start && r.Release == cur.Release):
			if ok && cur.Release != r.Release {
				gone[cur.Release] = true
			}
			f.latest[r.Release.Service] = r
		case r.Release != cur.Release:
			gone[r.Release] = true
		}
	}
	if len(gone) > 0 {
		f.drop(gone)
	}
}

// drop removes releases from the merged evidence and the judge, and
// remembers them so their late evidence is not merged again.
func (f *evidenceFleet) drop(gone map[evidence.Release]bool) {
	f.merged, _ = without(f.merged, gone)
	for r := range gone {
		f.judge.Forget(r)
		f.dropped[r] = true
	}
}

// without copies ev less the given releases (Evidence keeps run starts for
// good, so a release is removed by copying the others) and says how many
// cells it left out.
func without(ev *evidence.Evidence, gone map[evidence.Release]bool) (*evidence.Evidence, int) {
	keep := evidence.NewWithTraceCache(1)
	removed := 0
	ev.Cells(func(k evidence.CellKey, c *evidence.Cell) {
		if gone[k.Release] {
			removed++
			return
		}
		keep.AddCell(k, c.Clone())
	})
	for _, r := range ev.Runs() {
		if !gone[r.Release] {
			keep.AddRun(r.Release, r.Start)
		}
	}
	ev.Exemplars(func(k evidence.ExemplarKey, xs []evidence.Exemplar) {
		if !gone[k.Release] {
			for _, x := range xs {
				keep.AddExemplar(k, x)
			}
		}
	})
	return keep, removed
}

// canaryShares is, per release, the canary's share of the estimated calls
// (Horvitz–Thompson: observed calls times adjusted count) in step s.
func (f *evidenceFleet) canaryShares(s evidence.Step) map[evidence.Release]float64 {
	calls := map[evidence.Release]*[2]float64{}
	f.merged.CellsBetween(s, s, func(k evidence.CellKey, c *evidence.Cell) {
		if !k.Operation.IsRelease() {
			return
		}
		a, ok := calls[k.Release]
		if !ok {
			a = new([2]float64)
			calls[k.Release] = a
		}
		i := 1
		if k.Arm == stage.Canary {
			i = 0
		}
		a[i] += float64(c.Calls) * evidence.AdjustedCount(k.Threshold)
	})
	out := make(map[evidence.Release]float64, len(calls))
	for r, a := range calls {
		if a[0]+a[1] > 0 {
			out[r] = a[0] / (a[0] + a[1])
		}
	}
	return out
}

func (f *evidenceFleet) stepEnd(s evidence.Step) time.Time {
	return time.Unix(0, (int64(s)+1)*int64(f.interval)).UTC()
}

func (f *evidenceFleet) windowSteps(w time.Duration) evidence.Step {
	return evidence.Step(max(1, int64(math.Ceil(float64(w)/float64(f.interval)))))
}

func (f *evidenceFleet) setCriteria(service string, doc []byte) (json.RawMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := criteriaFromJSON(f.judge.CriteriaOf(service), doc)
	if err != nil {
		return nil, err
	}
	if err := f.judge.SetCriteria(service, c); err != nil {
		return nil, err
	}
	return criteriaJSON(c), nil
}

func (f *evidenceFleet) defaultCriteria() json.RawMessage {
	return criteriaJSON(f.defaults)
}

// windowEstimate judges, with the service's criteria, only the merged
// evidence of the last window of judged steps, and returns the check's
// estimate for one arm: "how is the canary doing lately".
func (f *evidenceFleet) windowEstimate(service, version string, key checkKey, arm string, w time.Duration) (float64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	run, ok := f.latest[service]
	if !ok || f.interval == 0 || w > maxWindow || !f.clock.anyJudged || (version != "" && run.Release.Version != version) {
		return 0, false
	}
	last := f.clock.judged
	from := last + 1 - f.windowSteps(w)
	window := evidence.NewWithTraceCache(1)
	f.merged.CellsBetween(from, last, func(k evidence.CellKey, c *evidence.Cell) {
		if k.Release == run.Release {
			window.AddCell(k, c.Clone())
		}
	})
	window.AddRun(run.Release, max(from, run.Start))
	j, err := judge.New(f.judge.CriteriaOf(service))
	if err != nil {
		return 0, false
	}
	for _, v := range j.Judge(window, last) {
		if v.Release != run.Release {
			continue
		}
		rep, _ := render(v)
		c, ok := findCheck(rep.Checks, key)
		if !ok {
			return 0, false
		}
		x := float64(c.Canary)
		if arm == "stable" {
			x = float64(c.Stable)
		}
		return x, !math.IsNaN(x)
	}
	return 0, false
}

// resume re-declares a restored run's start, so the merged evidence's run
// start (a minimum over what instances report) keeps the run id it had
// before the restart. The run id is "service@version@start".
func (f *evidenceFleet) resume(service, version, run string) error {
	bad := fmt.Errorf("run id %q is not %s@%s@<step>", run, service, version)
	i := strings.LastIndexByte(run, '@')
	if i < 0 || run[:i] != service+"@"+version {
		return bad
	}
	start, err := strconv.ParseInt(run[i+1:], 10, 64)
	if err != nil {
		return bad
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.merged.AddRun(evidence.Release{Service: service, Version: version}, evidence.Step(start))
	return nil
}
