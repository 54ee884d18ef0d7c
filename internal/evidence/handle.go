package evidence

import (
	"time"

	"github.com/canarytrace/canarytrace/internal/stage"
)

// SeriesHandle is one release and operation's evidence, resolved once:
// ObserveSeries with a handle skips hashing the pair's five strings, which
// Observe pays per span. A handle belongs to the Evidence that made it; it
// stays valid across Reset (it resolves again on its next use).
type SeriesHandle struct {
	// What each span reads comes first.
	s   *series // nil until the first valid observation
	gen uint64  // the Evidence's generation s belongs to
	bad bool    // the key is one Observe rejects
	// op and rel are the operation and release cells of slot at, the last
	// observation's: consecutive spans of an operation mostly share them,
	// and finding them takes a lookup each. Valid while epoch is the
	// Evidence's (no cell freed since).
	at      slot
	op, rel *Cell
	epoch   uint64
	key     ExemplarKey
}

// SeriesOf returns the handle of a release and operation. A release without
// service or the zero Operation gives a handle whose observations are
// rejected, as Observe would.
func (e *Evidence) SeriesOf(r Release, op Operation) SeriesHandle {
	k := ExemplarKey{r, op}
	if r.Service == "" || op.IsRelease() {
		return SeriesHandle{key: k, bad: true}
	}
	// The series itself is made on the first valid observation, as
	// Observe makes it: an empty one would show in Exemplars.
	return SeriesHandle{key: k}
}

// Span is what evidence records of one span beside its cell: read once per
// span, observed into each release the span is attributed to.
type Span struct {
	TraceID  [16]byte
	Error    bool
	Duration time.Duration
	// bucket is Duration's latency bucket (zero: the zero bucket), found
	// once by NewSpan for every release and for the caller's own
	// histograms.
	bucket int32
	zero   bool
}

// NewSpan returns the span with its latency bucket found.
func NewSpan(traceID [16]byte, isErr bool, d time.Duration) Span {
	s := Span{TraceID: traceID, Error: isErr, Duration: d}
	s.FindBucket()
	return s
}

// FindBucket finds the latency bucket of the span's Duration, for a span
// filled in place (a reader that writes its fields saves copying them).
func (s *Span) FindBucket() {
	s.bucket, s.zero = 0, s.Duration <= 0
	if !s.zero {
		s.bucket = positiveBucket(s.Duration)
	}
}

// Bucket returns the span's latency bucket; zero is true for the zero
// bucket (no positive duration).
func (s *Span) Bucket() (i int32, zero bool) { return s.bucket, s.zero }

// ObserveSeries is Observe for the series of h: the same cells, moments,
// run start and exemplars as Observe with h's release and operation.
func (e *Evidence) ObserveSeries(h *SeriesHandle, arm stage.Arm, step Step, threshold uint64, sp *Span) {
	if h.bad || arm != stage.Canary && arm != stage.Stable || !ValidThreshold(threshold) {
		e.rejected++
		return
	}
	k := slot{arm, step, threshold}
	if h.op == nil || h.epoch != e.cellEpoch || h.at != k {
		if h.s == nil || h.gen != e.gen {
			h.s, h.gen = e.seriesOf(h.key), e.gen
		}
		h.at, h.op, h.rel, h.epoch = k, e.cellIn(h.s, k), e.cellIn(h.s.release, k), e.cellEpoch
	}
	e.observeIn(h.s, k, h.op, h.rel, sp)
}

// observe records one span of a valid operation series in cell k.
func (e *Evidence) observe(s *series, k slot, sp *Span) {
	e.observeIn(s, k, e.cellIn(s, k), e.cellIn(s.release, k), sp)
}

// observeIn records one span of series s in slot k, whose operation and
// release cells are c and r.
func (e *Evidence) observeIn(s *series, k slot, c, r *Cell, sp *Span) {
	set, tag := e.traces.setOf(sp.TraceID)
	n, x := e.traces.recordIn(set, tag, c.serial, sp.Error)
	c.addSpan(n, x, sp.Error)
	if sp.zero {
		c.Latency.Zero++
	} else {
		c.Latency.Add(sp.bucket, 1)
	}
	n, x = e.traces.recordIn(set, tag, r.serial, sp.Error)
	r.addSpan(n, x, sp.Error)
	if k.arm == stage.Canary {
		s.release.noteStart(k.step)
		s.canary.add(Exemplar{TraceID: sp.TraceID, Step: k.step, Duration: sp.Duration, Error: sp.Error})
	}
}

// Warm brings the recent-trace cache's entries of a trace into the CPU
// cache ahead of ObserveSeries: call it for the next few spans before
// observing them, and keep the result somewhere (it is meaningless, but a
// load whose result is dropped may be optimised away).
func (e *Evidence) Warm(traceID [16]byte) uint32 { return e.traces.warm(traceID) }
