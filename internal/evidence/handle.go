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
	key ExemplarKey
	s   *series // nil until the first valid observation
	gen uint64  // the Evidence's generation s belongs to
	bad bool    // the key is one Observe rejects
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

// ObserveSeries is Observe for the series of h: the same cells, moments,
// run start and exemplars as Observe with h's release and operation.
func (e *Evidence) ObserveSeries(h *SeriesHandle, arm stage.Arm, step Step, threshold uint64, traceID [16]byte, isErr bool, d time.Duration) {
	if h.bad || arm != stage.Canary && arm != stage.Stable || !ValidThreshold(threshold) {
		e.rejected++
		return
	}
	if h.s == nil || h.gen != e.gen {
		h.s, h.gen = e.seriesOf(h.key), e.gen
	}
	e.observe(h.s, slot{arm, step, threshold}, traceID, isErr, d)
}

// observe records one span of a valid operation series in cell k.
func (e *Evidence) observe(s *series, k slot, traceID [16]byte, isErr bool, d time.Duration) {
	c := e.cellIn(s, k)
	n, x := e.traces.record(traceID, c.serial, isErr)
	c.addSpan(n, x, isErr)
	if i, ok := BucketIndex(d); ok {
		c.Latency.Add(i, 1)
	} else {
		c.Latency.Zero++
	}
	r := e.cellIn(s.release, k)
	n, x = e.traces.record(traceID, r.serial, isErr)
	r.addSpan(n, x, isErr)
	if k.arm == stage.Canary {
		s.release.noteStart(k.step)
		s.canary.add(Exemplar{TraceID: traceID, Step: k.step, Duration: d, Error: isErr})
	}
}
