package canaryanalysisconnector

import (
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
// adjusted count (1/p) instead of 1.
type series struct {
	start int64 // unix ns: the start of the first step it counted
	// calls[0] ok, calls[1] error; sent* is what delta temporality has
	// already emitted.
	calls     [2]float64
	sentCalls [2]float64
	sum       float64 // weighted seconds
	sentSum   float64
	hist      whist
	// lastEmit is the end of the previous emission (delta start time).
	lastEmit int64
	// lastEnd is the latest span end time (unix ns), for expiry.
	lastEnd int64
	dirty   bool
}

func newSeries(start int64) *series {
	return &series{start: start, lastEmit: start, hist: whist{track: true}}
}

func (s *series) add(weight float64, isErr bool, seconds float64, bucket int32, zero bool, end int64) {
	s.lastEnd = max(s.lastEnd, end)
	e := 0
	if isErr {
		e = 1
	}
	s.calls[e] += weight
	s.sum += weight * seconds
	s.hist.add(bucket, zero, weight)
	s.dirty = true
}
