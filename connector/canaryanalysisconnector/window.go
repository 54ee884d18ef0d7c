package canaryanalysisconnector

import "github.com/canarytrace/canarytrace/internal/eventtime"

// window holds one operation arm's last few steps of weighted calls, errors
// and durations, a ring indexed by step, for the canary.error_rate and
// canary.latency gauges. Slots are reused in place as steps move on.
type window struct {
	slots []slot
}

type slot struct {
	step   eventtime.Step
	used   bool
	calls  float64
	errors float64
	hist   whist
}

func newWindow(steps int) *window { return &window{slots: make([]slot, steps)} }

func (w *window) index(s eventtime.Step) int {
	n := eventtime.Step(len(w.slots))
	return int(((s % n) + n) % n)
}

// add records a span's weight in its step's slot. A span older than what
// the slot now holds has left the window: it is dropped.
func (w *window) add(s eventtime.Step, weight float64, isErr bool, bucket int32, zero bool) {
	sl := &w.slots[w.index(s)]
	if sl.used && sl.step != s {
		if s < sl.step {
			return
		}
		sl.calls, sl.errors = 0, 0
		sl.hist.reset()
	}
	sl.step, sl.used = s, true
	sl.calls += weight
	if isErr {
		sl.errors += weight
	}
	sl.hist.add(bucket, zero, weight)
}

// stats sums the slots of the steps in (at-len, at] into into.
func (w *window) stats(at eventtime.Step, into *whist) (calls, errors float64) {
	into.reset()
	oldest := at - eventtime.Step(len(w.slots))
	for i := range w.slots {
		sl := &w.slots[i]
		if !sl.used || sl.step <= oldest || sl.step > at {
			continue
		}
		calls += sl.calls
		errors += sl.errors
		into.merge(&sl.hist)
	}
	return calls, errors
}

// idleSince reports whether the window holds nothing after step s.
func (w *window) idleSince(s eventtime.Step) bool {
	for i := range w.slots {
		if w.slots[i].used && w.slots[i].step > s {
			return false
		}
	}
	return true
}
