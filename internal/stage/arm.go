package stage

// Arm is the side of the canary comparison a span belongs to.
type Arm uint8

const (
	// None is neither canary nor stable: the span is unattributed.
	None Arm = iota
	// Canary is the new version under test.
	Canary
	// Stable is the baseline the canary is compared with.
	Stable
)

// String returns the value written on output attributes: always "canary" or
// "stable" whatever spelling the input used, and "" for None.
func (a Arm) String() string {
	switch a {
	case Canary:
		return "canary"
	case Stable:
		return "stable"
	default:
		return ""
	}
}
