package evidence

import (
	"fmt"

	"github.com/canarytrace/canarytrace/internal/stage"
)

// Release is a service under canary and the canary's version.
type Release struct {
	Service string
	Version string
}

// String returns "service@version".
func (r Release) String() string { return r.Service + "@" + r.Version }

// Operation is whose operation a span is: the dimensions that make an
// operation (service.name, span.name, span.kind by default). The zero value
// means the release as a whole.
type Operation struct {
	Service string
	Name    string
	Kind    string
}

// IsRelease reports whether o is the zero Operation, the release-level cell.
func (o Operation) IsRelease() bool { return o == Operation{} }

// String returns "service span.name (kind)", or "" for the release level.
func (o Operation) String() string {
	if o.IsRelease() {
		return ""
	}
	if o.Kind == "" {
		return o.Service + " " + o.Name
	}
	return o.Service + " " + o.Name + " (" + o.Kind + ")"
}

// Step is an event-time interval index: span end unix nanoseconds divided by
// the evaluation interval in nanoseconds.
type Step int64

// StepOf returns the step of an end timestamp for a positive interval.
func StepOf(endUnixNano int64, interval int64) Step {
	s := endUnixNano / interval
	if endUnixNano < 0 && endUnixNano%interval != 0 {
		s-- // floor, so steps stay aligned across zero
	}
	return Step(s)
}

// CellKey identifies one cell of evidence.
type CellKey struct {
	Release   Release
	Operation Operation
	Arm       stage.Arm
	Step      Step
	// Threshold is the 56-bit sampling rejection threshold th of the stratum.
	Threshold uint64
}

// Run identifies one run of a release: evidence from Start on.
type Run struct {
	Release Release
	Start   Step
}

// ID returns the run id "service@version@start".
func (r Run) ID() string {
	return fmt.Sprintf("%s@%s@%d", r.Release.Service, r.Release.Version, r.Start)
}
