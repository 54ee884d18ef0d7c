package evidence

import "errors"

var (
	ErrNegativeCount    = errors.New("evidence: negative count")
	ErrErrorsAboveCalls = errors.New("evidence: more errors than calls")
	ErrMoments          = errors.New("evidence: trace moments below their first moments or above their bounds")
)

// Validate reports whether c could come from Observe: no negative count, no
// more errors than calls, and trace moments consistent with the counts
// (sum n_t^2 between sum n_t and (sum n_t)^2, and so on). Decoded evidence
// is untrusted input.
func (c *Cell) Validate() error {
	if c.Calls < 0 || c.Errors < 0 || c.TraceCalls2 < 0 || c.TraceErrors2 < 0 || c.TraceCallsErrors < 0 {
		return ErrNegativeCount
	}
	if c.Errors > c.Calls {
		return ErrErrorsAboveCalls
	}
	if c.TraceCalls2 < c.Calls || c.TraceErrors2 < c.Errors || c.TraceCallsErrors < c.Errors ||
		c.TraceErrors2 > c.TraceCallsErrors || c.TraceCallsErrors > c.TraceCalls2 {
		return ErrMoments
	}
	return nil
}

// Cell is the integer evidence of one CellKey. All fields add across
// instances and intervals.
type Cell struct {
	// Calls and Errors count observed spans (not adjusted counts).
	Calls  int64
	Errors int64
	// TraceCalls2, TraceErrors2 and TraceCallsErrors are sum n_t^2,
	// sum e_t^2 and sum n_t*e_t over the traces t that contributed n_t spans
	// and e_t error spans to the cell: the second moments the judge needs for
	// a variance with the trace as the sampling unit. Each is at least the
	// corresponding first moment (Calls, Errors, Errors).
	TraceCalls2      int64
	TraceErrors2     int64
	TraceCallsErrors int64
	// Latency counts span durations on the fixed buckets. Empty in
	// release-level cells.
	Latency Histogram

	serial uint64 // identity for the recent-trace cache; never exported
}

// Merge adds o's counts to c.
func (c *Cell) Merge(o *Cell) {
	c.Calls += o.Calls
	c.Errors += o.Errors
	c.TraceCalls2 += o.TraceCalls2
	c.TraceErrors2 += o.TraceErrors2
	c.TraceCallsErrors += o.TraceCallsErrors
	c.Latency.Merge(o.Latency)
}

// Clone returns a deep copy of c.
func (c *Cell) Clone() Cell {
	d := *c
	d.Latency = c.Latency.clone()
	d.serial = 0
	return d
}

// addSpan records one span of a trace that had already put n spans and e
// error spans in this cell: the moments grow by (n+1)^2-n^2, (e+x)^2-e^2 and
// (n+1)(e+x)-n*e, with x = 1 for an error span.
func (c *Cell) addSpan(n, e uint32, isErr bool) {
	c.Calls++
	c.TraceCalls2 += 2*int64(n) + 1
	if isErr {
		c.Errors++
		c.TraceErrors2 += 2*int64(e) + 1
		c.TraceCallsErrors += int64(e) + int64(n) + 1
	} else {
		c.TraceCallsErrors += int64(e)
	}
}

func (c *Cell) reset() {
	lat := c.Latency
	lat.reset()
	*c = Cell{Latency: lat}
}
