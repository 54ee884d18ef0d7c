package canaryanalysisconnector

import "github.com/canarytrace/canarytrace/internal/eventtime"

// maxWindowSlots bounds the slots of a window: each holds a histogram, per
// series, so 30 one-step slots (5m of 10s steps) would cost three times
// the memory of 10 three-step slots for the same gauges.
const maxWindowSlots = 10

// window accumulates one series' weighted calls, errors and durations: the
// recent steps in a ring of slots, each covering perSlot consecutive
// steps, for the canary.error_rate and canary.latency gauges; everything
// older, and the spans the gauges leave out (late or far ahead), in
// retired, so that retired and the slots together are the series' totals
// for canary.calls and canary.duration. A span is added once, to one of
// them: the gauges and the user metrics cost one accumulation per span.
type window struct {
	perSlot eventtime.Step
	slots   []slot
	retired slot
	// cur is the slot the step curStep was last added to: nearly every
	// span lands in the newest step, and finding its slot takes three
	// integer divisions.
	cur     *slot
	curStep eventtime.Step
}

type slot struct {
	id     eventtime.Step // step / perSlot
	used   bool
	ok     float64 // weighted calls without error
	errors float64 // weighted calls with error
	sum    float64 // weighted seconds
	hist   whist
}

func (sl *slot) add(weight float64, isErr bool, seconds float64, bucket int32, zero bool) {
	if isErr {
		sl.errors += weight
	} else {
		sl.ok += weight
	}
	sl.sum += weight * seconds
	sl.hist.add(bucket, zero, weight)
}

// fold moves o's counts into sl and empties o.
func (sl *slot) fold(o *slot) {
	sl.ok += o.ok
	sl.errors += o.errors
	sl.sum += o.sum
	sl.hist.merge(&o.hist)
	o.ok, o.errors, o.sum = 0, 0, 0
	o.hist.reset()
}

// newWindow covers steps steps with at most maxWindowSlots slots.
func newWindow(steps int) *window {
	per := (steps + maxWindowSlots - 1) / maxWindowSlots
	n := (steps + per - 1) / per
	return &window{perSlot: eventtime.Step(per), slots: make([]slot, n)}
}

func (w *window) slotOf(s eventtime.Step) eventtime.Step {
	id := s / w.perSlot
	if s%w.perSlot < 0 {
		id--
	}
	return id
}

func (w *window) index(id eventtime.Step) int {
	n := eventtime.Step(len(w.slots))
	return int(((id % n) + n) % n)
}

// slotFor returns the slot that counts a span of step s: retired when s is
// older than what its slot now holds (the span has left the window). The
// newest step's slot is returned inline; finding another takes three
// integer divisions.
func (w *window) slotFor(s eventtime.Step) *slot {
	if s == w.curStep && w.cur != nil {
		return w.cur
	}
	return w.findSlot(s)
}

func (w *window) findSlot(s eventtime.Step) *slot {
	id := w.slotOf(s)
	sl := &w.slots[w.index(id)]
	if sl.used && sl.id != id {
		if id < sl.id {
			return &w.retired
		}
		w.retired.fold(sl)
	}
	sl.id, sl.used = id, true
	// The slot holds step s until a later step takes it over, which goes
	// through here and moves cur.
	w.cur, w.curStep = sl, s
	return sl
}

// stats adds, to into, the slots of the window ending with the slot that
// holds step at (the configured window, rounded to whole slots), and
// returns their weighted calls and errors.
func (w *window) stats(at eventtime.Step, into *whist) (calls, errors float64) {
	last := w.slotOf(at)
	oldest := last - eventtime.Step(len(w.slots))
	for i := range w.slots {
		sl := &w.slots[i]
		if !sl.used || sl.id <= oldest || sl.id > last {
			continue
		}
		calls += sl.ok + sl.errors
		errors += sl.errors
		into.merge(&sl.hist)
	}
	return calls, errors
}

// totals returns everything the window holds, retired and in slots: the
// weighted calls without and with error and seconds; into (emptied of
// weights first, its bucket layout kept) receives the durations.
func (w *window) totals(into *whist) (calls [2]float64, sum float64) {
	into.clearWeights()
	calls = [2]float64{w.retired.ok, w.retired.errors}
	sum = w.retired.sum
	into.merge(&w.retired.hist)
	for i := range w.slots {
		sl := &w.slots[i]
		if !sl.used {
			continue
		}
		calls[0] += sl.ok
		calls[1] += sl.errors
		sum += sl.sum
		into.merge(&sl.hist)
	}
	return calls, sum
}
