package canaryanalysisconnector

import "github.com/canarytrace/canarytrace/internal/eventtime"

// maxWindowSlots bounds the slots of a window: each holds a histogram, per
// operation and arm, so 30 one-step slots (5m of 10s steps) would cost three
// times the memory of 10 three-step slots for the same gauges.
const maxWindowSlots = 10

// window holds one operation arm's recent weighted calls, errors and
// durations in a ring of slots, each covering perSlot consecutive steps, for
// the canary.error_rate and canary.latency gauges. Slots are reused in
// place as steps move on.
type window struct {
	perSlot eventtime.Step
	slots   []slot
	// cur is the slot the step curStep was last added to: nearly every
	// span lands in the newest step, and finding its slot takes three
	// integer divisions.
	cur     *slot
	curStep eventtime.Step
}

type slot struct {
	id     eventtime.Step // step / perSlot
	used   bool
	calls  float64
	errors float64
	hist   whist
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

// add records a span's weight in its step's slot. A span older than what
// the slot now holds has left the window: it is dropped.
func (w *window) add(s eventtime.Step, weight float64, isErr bool, bucket int32, zero bool) {
	sl := w.cur
	if sl == nil || s != w.curStep {
		id := w.slotOf(s)
		sl = &w.slots[w.index(id)]
		if sl.used && sl.id != id {
			if id < sl.id {
				return
			}
			sl.calls, sl.errors = 0, 0
			sl.hist.reset()
		}
		sl.id, sl.used = id, true
		// The slot holds step s until a later step takes it over, which
		// goes through here and moves cur.
		w.cur, w.curStep = sl, s
	}
	sl.calls += weight
	if isErr {
		sl.errors += weight
	}
	sl.hist.add(bucket, zero, weight)
}

// stats sums, into into, the slots of the window ending with the slot that
// holds step at: the configured window, rounded to whole slots.
func (w *window) stats(at eventtime.Step, into *whist) (calls, errors float64) {
	into.reset()
	last := w.slotOf(at)
	oldest := last - eventtime.Step(len(w.slots))
	for i := range w.slots {
		sl := &w.slots[i]
		if !sl.used || sl.id <= oldest || sl.id > last {
			continue
		}
		calls += sl.calls
		errors += sl.errors
		into.merge(&sl.hist)
	}
	return calls, errors
}
