package evidence

import (
	"errors"
	"math"
	"sort"
	"time"

	"github.com/canarytrace/canarytrace/internal/stage"
)

// Observation is one attributed span, as the connector sees it.
type Observation struct {
	Release   Release
	Operation Operation
	Arm       stage.Arm
	Step      Step
	// Threshold is the rejection threshold th the span's trace was kept
	// with; 0 when unsampled or kept with probability 1.
	Threshold uint64
	TraceID   [16]byte
	Error     bool
	Duration  time.Duration
}

// Stats counts what Evidence refused or approximated; the connector exposes
// them as internal metrics.
type Stats struct {
	// Rejected counts observations with no arm, no release service, the
	// zero Operation (reserved for the release level) or an invalid
	// threshold, and cells AddCell refused; they are not recorded.
	Rejected uint64
	// TraceCacheEvictions counts recent-trace cache slots taken over by
	// another (trace, cell) pair; a later span of the evicted trace in that
	// cell starts a new cluster.
	TraceCacheEvictions uint64
}

// Evidence is a set of cells, run starts and exemplars. The zero value is
// not usable; call New.
type Evidence struct {
	// series interns a (release, operation) pair so Observe hashes its
	// strings once per span; cells within a series are keyed by integers.
	series    map[ExemplarKey]*series
	last      *series // the series of the previous Observe: spans come in runs of one operation
	lastKey   ExemplarKey
	exemplars map[ExemplarKey]*exemplarSet
	traces    traceCache
	free      []*Cell
	serial    uint64
	rejected  uint64
	ncells    int
	// cellEpoch counts Resets and DropBefores, which free cells: a
	// SeriesHandle's cells of an older epoch may be freed.
	cellEpoch uint64
	// gen counts Resets: a SeriesHandle of an older generation points at a
	// series Reset dropped.
	gen uint64
}

// slot is a cell's key within its series.
type slot struct {
	arm       stage.Arm
	step      Step
	threshold uint64
}

type series struct {
	cells   map[slot]*Cell
	release *series      // the release-level series; nil for itself
	canary  *exemplarSet // exemplars of this operation; nil for the release level
	// start is the run start (first canary step), kept on the release-level
	// series only.
	start    Step
	hasStart bool
	// recent holds the cells of the last few slots looked up, checked
	// before the map: steps advance monotonically, so nearly every span
	// lands in the newest step, in one of a few (arm, threshold) pairs.
	recent [recentCells]recentCell
	next   uint8 // the recent entry to replace next
}

// recentCells is the size of a series' recent-cell cache: both arms and
// a second sampling stratum fit without thrashing.
const recentCells = 4

type recentCell struct {
	k slot
	c *Cell
}

func (s *series) noteStart(step Step) {
	if !s.hasStart || step < s.start {
		s.start, s.hasStart = step, true
	}
}

// New returns empty evidence with the default trace cache.
func New() *Evidence { return NewWithTraceCache(DefaultTraceCacheSize) }

// NewWithTraceCache returns empty evidence whose recent-trace cache holds
// size (trace, cell) pairs; size must be a power of two (else the default).
func NewWithTraceCache(size int) *Evidence {
	return &Evidence{
		series:    make(map[ExemplarKey]*series),
		exemplars: make(map[ExemplarKey]*exemplarSet),
		traces:    newTraceCache(size),
	}
}

// Observe records one span in its operation's cell and in its release-level
// cell, and notes the run start and canary exemplars.
func (e *Evidence) Observe(o Observation) {
	if o.Arm != stage.Canary && o.Arm != stage.Stable || o.Release.Service == "" || o.Operation.IsRelease() || !ValidThreshold(o.Threshold) {
		e.rejected++
		return
	}
	sk := ExemplarKey{o.Release, o.Operation}
	s := e.last
	if s == nil || sk != e.lastKey {
		s = e.seriesOf(sk)
		e.last, e.lastKey = s, sk
	}
	sp := NewSpan(o.TraceID, o.Error, o.Duration)
	e.observe(s, slot{o.Arm, o.Step, o.Threshold}, &sp)
}

func (e *Evidence) seriesOf(k ExemplarKey) *series {
	if s, ok := e.series[k]; ok {
		return s
	}
	s := &series{cells: make(map[slot]*Cell)}
	if !k.Operation.IsRelease() {
		s.release = e.seriesOf(ExemplarKey{Release: k.Release})
		s.canary = e.exemplar(k)
	}
	e.series[k] = s
	return s
}

func (e *Evidence) cellIn(s *series, k slot) *Cell {
	for i := range s.recent {
		if r := &s.recent[i]; r.c != nil && r.k == k {
			return r.c
		}
	}
	c := e.cellOf(s, k)
	s.recent[s.next] = recentCell{k, c}
	s.next = (s.next + 1) % recentCells
	return c
}

func (e *Evidence) cellOf(s *series, k slot) *Cell {
	if c, ok := s.cells[k]; ok {
		return c
	}
	var c *Cell
	if n := len(e.free); n > 0 {
		c, e.free = e.free[n-1], e.free[:n-1]
	} else {
		c = new(Cell)
	}
	e.serial++
	if e.serial&cellMask == 0 { // the trace cache's empty entry
		e.serial++
	}
	c.serial = e.serial
	s.cells[k] = c
	e.ncells++
	return c
}

func (e *Evidence) cell(k CellKey) *Cell {
	return e.cellIn(e.seriesOf(ExemplarKey{k.Release, k.Operation}), slot{k.Arm, k.Step, k.Threshold})
}

func (e *Evidence) exemplar(k ExemplarKey) *exemplarSet {
	s, ok := e.exemplars[k]
	if !ok {
		s = new(exemplarSet)
		e.exemplars[k] = s
	}
	return s
}

// ErrKey is returned by AddCell for a key Observe would have rejected.
var ErrKey = errors.New("evidence: cell key without release service, with no arm, or with an invalid threshold")

// AddCell adds c's counts to the cell k (creating it): how the exporter
// rebuilds evidence from decoded data points. A cell that fails
// Cell.Validate or a key Observe would reject is refused with an error and
// counted in Stats.Rejected.
func (e *Evidence) AddCell(k CellKey, c Cell) error {
	if k.Arm != stage.Canary && k.Arm != stage.Stable || k.Release.Service == "" || !ValidThreshold(k.Threshold) {
		e.rejected++
		return ErrKey
	}
	if err := c.Validate(); err != nil {
		e.rejected++
		return err
	}
	e.cell(k).Merge(&c)
	return nil
}

// AddRun records that the release had a canary span at step start; the run
// start is the minimum over everything added.
func (e *Evidence) AddRun(r Release, start Step) {
	e.seriesOf(ExemplarKey{Release: r}).noteStart(start)
}

// AddExemplar offers an exemplar; it is kept if it is among the latest
// errors or the slowest of its release and operation.
func (e *Evidence) AddExemplar(k ExemplarKey, x Exemplar) {
	e.exemplar(k).add(x)
}

// Merge adds everything in o to e (the sum of two instances' evidence).
func (e *Evidence) Merge(o *Evidence) {
	for sk, s := range o.series {
		t := e.seriesOf(sk)
		if s.hasStart {
			t.noteStart(s.start)
		}
		for k, c := range s.cells {
			e.cellIn(t, k).Merge(c)
		}
	}

	for k, s := range o.exemplars {
		t := e.exemplar(k)
		for _, x := range s.list() {
			t.add(x)
		}
	}
	e.rejected += o.rejected
}

// Cells calls f for every cell in a deterministic order (release, operation,
// arm, step, threshold). f must not modify e; c is valid during the call.
func (e *Evidence) Cells(f func(k CellKey, c *Cell)) {
	e.CellsBetween(math.MinInt64, math.MaxInt64, f)
}

// CellsBetween is Cells restricted to steps in [from, to]; only those cells
// are sorted, so a judge that asks for the newest steps pays for them only.
func (e *Evidence) CellsBetween(from, to Step, f func(k CellKey, c *Cell)) {
	type kc struct {
		k CellKey
		c *Cell
	}
	var all []kc
	for sk, s := range e.series {
		for k, c := range s.cells {
			if k.step >= from && k.step <= to {
				all = append(all, kc{CellKey{sk.Release, sk.Operation, k.arm, k.step, k.threshold}, c})
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return lessKey(all[i].k, all[j].k) })
	for _, x := range all {
		f(x.k, x.c)
	}
}

// Cell returns the cell of k, or nil.
func (e *Evidence) Cell(k CellKey) *Cell {
	if s, ok := e.series[ExemplarKey{k.Release, k.Operation}]; ok {
		return s.cells[slot{k.Arm, k.Step, k.Threshold}]
	}
	return nil
}

// Len returns the number of cells.
func (e *Evidence) Len() int { return e.ncells }

// Runs returns every release's run, sorted by release.
func (e *Evidence) Runs() []Run {
	var out []Run
	for k, s := range e.series {
		if s.hasStart {
			out = append(out, Run{Release: k.Release, Start: s.start})
		}
	}
	sort.Slice(out, func(i, j int) bool { return lessRelease(out[i].Release, out[j].Release) })
	return out
}

// Exemplars calls f for every release and operation with canary exemplars
// (latest errors first, then slowest), in a deterministic order.
func (e *Evidence) Exemplars(f func(k ExemplarKey, xs []Exemplar)) {
	keys := make([]ExemplarKey, 0, len(e.exemplars))
	for k := range e.exemplars {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Release != keys[j].Release {
			return lessRelease(keys[i].Release, keys[j].Release)
		}
		return lessOperation(keys[i].Operation, keys[j].Operation)
	})
	for _, k := range keys {
		f(k, e.exemplars[k].list())
	}
}

// ExemplarsOf returns the exemplars of one release and operation.
func (e *Evidence) ExemplarsOf(k ExemplarKey) []Exemplar {
	if s, ok := e.exemplars[k]; ok {
		return s.list()
	}
	return nil
}

// DropBefore removes the cells of steps before step, reusing their storage,
// and returns how many it removed. Run starts and exemplars are kept.
func (e *Evidence) DropBefore(step Step) int {
	n := 0
	for _, s := range e.series {
		for k, c := range s.cells {
			if k.step < step {
				delete(s.cells, k)
				c.reset()
				e.free = append(e.free, c)
				n++
			}
		}
		// The dropped cells go back to the free list: no cached pointer
		// may outlive them.
		s.recent = [recentCells]recentCell{}
	}
	e.cellEpoch++
	e.ncells -= n
	return n
}

// Reset removes every cell (keeping storage for reuse), run start and
// exemplar: after a delta export. The trace cache is kept: a trace whose
// spans straddle two exports still counts as one cluster within each.
func (e *Evidence) Reset() {
	for _, s := range e.series {
		for _, c := range s.cells {
			c.reset()
			e.free = append(e.free, c)
		}
	}
	// Series point at exemplar sets, so both go together.
	clear(e.series)
	clear(e.exemplars)
	e.last = nil
	e.gen++
	e.cellEpoch++
	e.ncells = 0
}

// Stats returns the counters of refused and approximated observations.
func (e *Evidence) Stats() Stats {
	return Stats{Rejected: e.rejected, TraceCacheEvictions: e.traces.evictions}
}

func lessRelease(a, b Release) bool {
	if a.Service != b.Service {
		return a.Service < b.Service
	}
	return a.Version < b.Version
}

func lessOperation(a, b Operation) bool {
	if a.Service != b.Service {
		return a.Service < b.Service
	}
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	return a.Kind < b.Kind
}

func lessKey(a, b CellKey) bool {
	if a.Release != b.Release {
		return lessRelease(a.Release, b.Release)
	}
	if a.Operation != b.Operation {
		return lessOperation(a.Operation, b.Operation)
	}
	if a.Arm != b.Arm {
		return a.Arm < b.Arm
	}
	if a.Step != b.Step {
		return a.Step < b.Step
	}
	return a.Threshold < b.Threshold
}
