package eventtime

import (
	"errors"
	"time"
)

// Config sets the watermark's rules. All durations must be positive except
// AllowedLateness, which may be zero.
type Config struct {
	// Interval is the length of a step.
	Interval time.Duration
	// AllowedLateness is how far behind the latest end time a span may end
	// and still reach its step's window gauges.
	AllowedLateness time.Duration
	// MaxFutureSkew bounds how far ahead of the reference (the wall clock
	// when live, the latest end time in span time) a timestamp may be and
	// still move the watermark.
	MaxFutureSkew time.Duration
	// MaxSteps bounds the steps returned by one Advance or Flush.
	MaxSteps int
	// MaxBacklog is how far behind the wall clock a live collector's first
	// span may be and still be judged step by step rather than counted late
	// (a replay, a queue drained after an outage). Zero means
	// DefaultMaxBacklog.
	MaxBacklog time.Duration
}

// DefaultMaxBacklog covers a replay of the last half hour of a release and
// the queue a collector builds in a typical outage, while a first timestamp
// older than that (a wild clock) still cannot open days of empty steps.
const DefaultMaxBacklog = time.Hour

var (
	ErrInterval = errors.New("eventtime: interval must be positive")
	ErrLateness = errors.New("eventtime: allowed lateness must not be negative")
	ErrSkew     = errors.New("eventtime: max future skew must be positive")
	ErrMaxSteps = errors.New("eventtime: max steps must be positive")
)

// Validate reports the first rule the config breaks.
func (c Config) Validate() error {
	switch {
	case c.Interval <= 0:
		return ErrInterval
	case c.AllowedLateness < 0:
		return ErrLateness
	case c.MaxFutureSkew <= 0:
		return ErrSkew
	case c.MaxSteps <= 0:
		return ErrMaxSteps
	}
	return nil
}

// Arrival says how a span's end time relates to the watermark.
type Arrival struct {
	// Step is the step holding the span's end time, or, when Ahead, the
	// step holding the reference it ran ahead of: state keyed by step
	// (evidence, windows) must not be parked in a far-future step that no
	// evaluation will reach for years.
	Step Step
	// Ahead is true when the end time is beyond max_future_skew of the
	// reference (the wall clock when live; the latest accepted end time in
	// span time).
	Ahead bool
	// Late is true when that step has already been evaluated: the span still
	// counts as evidence but no longer reaches the window gauges.
	Late bool
	// Ignored is the number of timestamps this observation discarded as
	// wild (0 or 1): the span's own when it is beyond the wall clock's
	// skew, or an earlier unconfirmed jump that this span contradicted.
	Ignored int
}

// Watermark tracks span time. It is not safe for concurrent use; the
// connector guards it with its own lock.
type Watermark struct {
	cfg Config
	// now is the wall clock; nil means span time only (backtest).
	now func() time.Time

	maxSeen   int64 // latest accepted end time, unix nanoseconds
	hasMax    bool
	wallAtMax int64 // live: the wall clock when maxSeen last moved
	candidate int64 // an unconfirmed jump in span time
	hasCand   bool
	next      Step // first step not yet evaluated
	hasNext   bool
	// steady is true once a live watermark has started and accepted an
	// end time: from then on ObserveNewest serves every span that ends in
	// the newest step within the skew. skew is MaxFutureSkew. Both could
	// be derived; kept as fields, ObserveNewest stays within the
	// compiler's inlining budget.
	steady bool
	skew   int64

	// recent is the step of the last end time observed, valid for end
	// times in [recentFrom, recentTo): nearly every span ends in the
	// newest step, and finding a step takes an integer division.
	recent               Step
	recentFrom, recentTo int64
}

// stepOf returns the step of an end time in Unix nanoseconds.
func (w *Watermark) stepOf(ns int64) Step {
	if ns >= w.recentFrom && ns < w.recentTo {
		return w.recent
	}
	interval := int64(w.cfg.Interval)
	s := stepOfNanos(ns, interval)
	// Near the ends of int64 the bounds overflow into an empty range:
	// such end times are found by division each time, still correctly.
	w.recent, w.recentFrom, w.recentTo = s, int64(s)*interval, int64(s)*interval+interval
	return s
}

// New returns a watermark for a validated config. now is the wall clock of a
// live collector; pass nil to follow span time only.
func New(cfg Config, now func() time.Time) *Watermark {
	return &Watermark{cfg: cfg, now: now, skew: int64(cfg.MaxFutureSkew)}
}

// Live reports whether the wall clock advances the watermark.
func (w *Watermark) Live() bool { return w.now != nil }

// Observe records one span end time and says whether it is late.
func (w *Watermark) Observe(end time.Time) Arrival { return w.ObserveUnixNano(end.UnixNano()) }

// ObserveUnixNano is Observe for an end time in Unix nanoseconds, as spans
// carry it: no time.Time to build per span.
func (w *Watermark) ObserveUnixNano(ns int64) Arrival {
	if w.now != nil {
		return w.ObserveUnixNanoAt(ns, w.now().UnixNano())
	}
	a := Arrival{Step: w.stepOf(ns)}
	ref, hadMax := w.maxSeen, w.hasMax
	a.Ignored = w.observeSpanTime(ns)
	if hadMax && ns > ref+int64(w.cfg.MaxFutureSkew) && w.hasCand && w.candidate == ns {
		// An unconfirmed jump: counted at the old timeline's end.
		a.Ahead, a.Step = true, stepOfNanos(ref, int64(w.cfg.Interval))
	}
	a.Late = w.hasNext && a.Step < w.next
	return a
}

// ObserveUnixNanoAt is ObserveUnixNano for a caller that read the wall
// clock itself, once for a batch of spans (now, Unix nanoseconds): a batch
// is recorded in microseconds, and reading the clock per span costs more
// than the rest of observing it. In span time (no wall clock) now is
// ignored.
func (w *Watermark) ObserveUnixNanoAt(ns, now int64) Arrival {
	if a, ok := w.ObserveNewest(ns, now); ok {
		return a
	}
	return w.observeAt(ns, now)
}

// ObserveNewest is ObserveUnixNanoAt for the common case of a live
// collector: a span that ends in the newest step and within the skew of
// the wall clock. It is small enough for the compiler to inline into a
// per-span loop, where the rest of ObserveUnixNanoAt is not. ok is false,
// and nothing recorded, for any other span: call ObserveUnixNanoAt.
func (w *Watermark) ObserveNewest(ns, now int64) (a Arrival, ok bool) {
	if !w.steady || ns < w.recentFrom || ns >= w.recentTo || ns > now+w.skew {
		return a, false
	}
	if ns > w.maxSeen {
		w.maxSeen, w.wallAtMax = ns, now
	}
	return Arrival{Step: w.recent, Late: w.recent < w.next}, true
}

func (w *Watermark) observeAt(ns, now int64) Arrival {
	if w.now == nil {
		return w.ObserveUnixNano(ns)
	}
	a := Arrival{Step: w.stepOf(ns)}
	a.Ignored = w.observeLive(ns, now)
	if a.Ignored == 1 {
		a.Ahead, a.Step = true, stepOfNanos(now, int64(w.cfg.Interval))
	}
	a.Late = w.hasNext && a.Step < w.next
	return a
}

func (w *Watermark) observeLive(ns, now int64) int {
	if ns > now+int64(w.cfg.MaxFutureSkew) {
		return 1
	}
	if !w.hasNext {
		// Start at the first span, so a backlog drained after an outage or
		// a replay of the last minutes is judged step by step instead of
		// counted late. A first span older than MaxBacklog is no backlog
		// worth judging (a wild timestamp): start at the wall clock's
		// watermark, so it cannot open years of empty steps.
		backlog := w.cfg.MaxBacklog
		if backlog <= 0 {
			backlog = DefaultMaxBacklog
		}
		wall := now - int64(w.cfg.AllowedLateness)
		from := ns - int64(w.cfg.AllowedLateness)
		if from < wall-int64(backlog) {
			from = wall
		}
		w.start(from)
	}
	if !w.hasMax || ns > w.maxSeen {
		w.maxSeen, w.hasMax, w.wallAtMax = ns, true, now
	}
	w.steady = true
	return 0
}

func (w *Watermark) observeSpanTime(ns int64) int {
	skew := int64(w.cfg.MaxFutureSkew)
	if w.hasMax && ns <= w.maxSeen+skew {
		w.accept(ns)
		if w.hasCand {
			// The next span continued the old timeline: the jump was wild.
			w.hasCand = false
			return 1
		}
		return 0
	}
	// A first timestamp, or a jump: believe it once a second span agrees.
	if w.hasCand && abs(ns-w.candidate) <= skew {
		first := min(ns, w.candidate)
		w.hasCand = false
		if !w.hasNext {
			w.start(first)
		}
		w.accept(max(ns, w.candidate))
		return 0
	}
	ignored := 0
	if w.hasCand {
		ignored = 1 // the previous candidate was never confirmed
	}
	w.candidate, w.hasCand = ns, true
	return ignored
}

// start fixes the first step that can be evaluated: the one holding ref.
// In span time that is the first span's step (no empty leading steps); live,
// the step holding the watermark when the collector first looks.
func (w *Watermark) start(ref int64) {
	w.next = stepOfNanos(ref, int64(w.cfg.Interval))
	w.hasNext = true
}

func (w *Watermark) accept(ns int64) {
	if !w.hasMax || ns > w.maxSeen {
		w.maxSeen, w.hasMax = ns, true
	}
}

// Steps is a run of consecutive steps ready for evaluation: [First, Last].
type Steps struct {
	First, Last Step
	// Skipped counts ready steps before First that were not returned
	// because one advance may return at most MaxSteps.
	Skipped int64
}

// Len is the number of steps in the run.
func (s Steps) Len() int64 { return int64(s.Last-s.First) + 1 }

// Advance returns the steps whose end the watermark has passed since the
// last call, at most MaxSteps of them (the newest). ok is false when none.
func (w *Watermark) Advance() (Steps, bool) {
	if !w.hasNext || !w.hasMax {
		return Steps{}, false // nothing seen yet, nothing to judge
	}
	ref := w.maxSeen
	if w.now != nil {
		// Live, span time runs on with the wall clock while no newer span
		// arrives, so the last steps of a burst are judged when traffic
		// stops; never beyond the wall clock itself.
		now := w.now().UnixNano()
		if idle := now - w.wallAtMax; idle > 0 {
			ref = min(w.maxSeen+idle, max(w.maxSeen, now))
		}
	}
	// Steps strictly before the watermark's own step have ended.
	return w.take(stepOfNanos(ref-int64(w.cfg.AllowedLateness), int64(w.cfg.Interval)))
}

// Flush returns every remaining step up to and including the one holding the
// latest accepted end time (bounded like Advance): the end of a backtest.
func (w *Watermark) Flush() (Steps, bool) {
	if w.hasCand && !w.hasMax {
		// A lone first span: nothing contradicted it.
		w.start(w.candidate)
		w.accept(w.candidate)
		w.hasCand = false
	}
	if !w.hasMax || !w.hasNext {
		return Steps{}, false
	}
	return w.take(stepOfNanos(w.maxSeen, int64(w.cfg.Interval)) + 1)
}

// take returns the steps in [next, until) and moves next to until.
func (w *Watermark) take(until Step) (Steps, bool) {
	if until <= w.next {
		return Steps{}, false
	}
	s := Steps{First: w.next, Last: until - 1}
	if n := s.Len(); n > int64(w.cfg.MaxSteps) {
		s.Skipped = n - int64(w.cfg.MaxSteps)
		s.First = s.Last - Step(w.cfg.MaxSteps) + 1
	}
	w.next = until
	return s, true
}

// Next is the first step not yet evaluated; ok is false before the first
// accepted span (or, live, the first advance).
func (w *Watermark) Next() (Step, bool) { return w.next, w.hasNext }

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
