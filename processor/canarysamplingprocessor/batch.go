package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import (
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// earlyCause is why a trace was decided before decision_wait.
type earlyCause uint8

const (
	causeMaxTraces earlyCause = iota
	causeMaxSpans
	numCauses
)

func (c earlyCause) String() string {
	return [...]string{"max_traces", "max_spans_per_trace"}[c]
}

// batch gathers what one ConsumeTraces call produced, so that telemetry is
// recorded and spans are forwarded once per call instead of once per span.
type batch struct {
	now       int64
	decided   []decidedTrace
	roots     []*bufferedTrace // traces whose root arrived, with decide_on_root
	last      *bufferedTrace   // the trace of the previous span
	late      lateSpans
	newTraces int64
	early     [numCauses]int64
	// invalidTraceStates counts spans whose tracestate (not already seen
	// on the trace's previous span) could not be parsed, or held an
	// invalid th or rv.
	invalidTraceStates int64
	memo               memo
	scratch            []byte // one span's encoding, before it is stored
}

// lateSpans are spans of already-decided traces: the kept ones are copied
// into out, grouped as they were received.
type lateSpans struct {
	out     *ptrace.Traces // nil until the first kept late span
	kept    int64
	dropped int64
	// rs and ss are the output groups of the input ResourceSpans and
	// ScopeSpans being read; invalid until the first kept late span in them.
	rs      ptrace.ResourceSpans
	ss      ptrace.ScopeSpans
	rsValid bool
	ssValid bool
}
