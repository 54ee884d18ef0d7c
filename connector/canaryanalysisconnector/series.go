package canaryanalysisconnector

import (
	"github.com/canarytrace/canarytrace/internal/eventtime"
	"github.com/canarytrace/canarytrace/internal/stage"
)

// seriesKey identifies the user-metric series of canary.calls and
// canary.duration (status splits canary.calls inside the series).
type seriesKey struct {
	op      *operation
	version string
	arm     stage.Arm
}

// series accumulates Horvitz–Thompson estimates: every span adds its
// adjusted count (1/p) instead of 1. Its window holds the counts; the
// series keeps what was emitted of them.
type series struct {
	start int64 // unix ns: the start of the first step it counted
	win   *window
	// calls[0] ok, calls[1] error, sum the weighted seconds and hist the
	// durations: the totals as of the last emission; sent* is what delta
	// temporality had emitted before it.
	calls     [2]float64
	sentCalls [2]float64
	sum       float64
	sentSum   float64
	hist      whist
	// lastEmit is the end of the previous emission (delta start time).
	lastEmit int64
	// lastEnd is the latest span end time (unix ns), for expiry.
	lastEnd int64
	dirty   bool
}

func newSeries(start int64, windowSteps int) *series {
	return &series{start: start, lastEmit: start, win: newWindow(windowSteps), hist: whist{track: true}}
}

// add records one span: in the window's slot of its step when the gauges
// count it (inWindow), else in the totals only.
func (s *series) add(st eventtime.Step, inWindow bool, weight float64, isErr bool, seconds float64, bucket int32, zero bool, end int64) {
	s.lastEnd = max(s.lastEnd, end)
	sl := &s.win.retired
	if inWindow {
		sl = s.win.slotFor(st)
	}
	sl.add(weight, isErr, seconds, bucket, zero)
	s.dirty = true
}

// total brings calls, sum and hist up to date with the window. The window
// sums its parts in another order each time, which can come out an ulp
// lower than before: a total never goes down (a cumulative sum that did
// would read as a counter reset).
func (s *series) total() {
	calls, sum := s.win.totals(&s.hist)
	s.calls = [2]float64{max(s.calls[0], calls[0]), max(s.calls[1], calls[1])}
	s.sum = max(s.sum, sum)
}
