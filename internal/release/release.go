package release

import "github.com/canarytrace/canarytrace/internal/stage"

// Key identifies a release: the service and the canary's version.
type Key struct {
	Service string
	Version string
}

// String renders the key as release-qualified baggage spells it.
func (k Key) String() string { return k.Service + "@" + k.Version }

// Release is one canary run as seen by this instance.
type Release struct {
	Key Key
	// Start is the end time (unix ns) of the first canary span of the run.
	Start int64
	// LastCanary is the latest end time (unix ns) of a canary span of the
	// release's own service: it keeps the release active.
	LastCanary int64
}

// Attribution says that a span is evidence for one arm of one release.
type Attribution struct {
	Release *Release
	Arm     stage.Arm
	// Downstream is true when the span is another service's operation,
	// attributed through the span attribute stage.
	Downstream bool
}

// Unattributed says why a span is evidence for no release.
type Unattributed uint8

const (
	// Attributed: the span is evidence for at least one release.
	Attributed Unattributed = iota
	// NoArm: neither stage value names an arm (or no release matches).
	NoArm
	// Ambiguous: a bare canary value downstream while several releases are
	// active.
	Ambiguous
)

// String names the reason as the internal telemetry attribute spells it.
func (u Unattributed) String() string {
	switch u {
	case NoArm:
		return "no_arm"
	case Ambiguous:
		return "ambiguous"
	default:
		return ""
	}
}
