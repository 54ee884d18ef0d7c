package workload

import "go.opentelemetry.io/collector/pdata/pcommon"

// Kind is what a trace is for the sampling decision both samplers should
// make: a canary trace is kept (canary_percentage 100), an error trace is
// kept (keep_errors), a stable one is sampled at 10%.
type Kind int

const (
	// Stable is a trace that touched no canary code and has no error span.
	Stable Kind = iota
	// Canary is a trace served by the canary release (with or without an
	// error).
	Canary
	// Error is a trace with an error span that touched no canary code.
	Error
	// NumKinds is the number of kinds, for arrays indexed by Kind.
	NumKinds
)

func (k Kind) String() string {
	switch k {
	case Canary:
		return "canary"
	case Error:
		return "error"
	default:
		return "stable"
	}
}

// kindMarkers is written into byte 0 of every trace ID, so a sink can tell
// the kind of a kept trace without the harness keeping a table of trace IDs
// (which would be counted as memory held). Byte 0 plays no part in either
// sampler's probabilistic decision: canary_sampling reads the rightmost 56
// bits, tail_sampling hashes the whole ID.
var kindMarkers = [NumKinds]byte{Stable: 0x51, Canary: 0xca, Error: 0xee}

// KindOf returns the kind of a generated trace from its ID; false for an ID
// this package did not generate.
func KindOf(id pcommon.TraceID) (Kind, bool) {
	for k, m := range kindMarkers {
		if id[0] == m {
			return Kind(k), true
		}
	}
	return 0, false
}
