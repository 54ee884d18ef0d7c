package stage

import "strings"

// Classifier maps attribute values to arms. Build it once from a validated
// Config; it is safe for concurrent use.
type Classifier struct {
	arms     map[string]Arm
	fallback Arm
}

// NewClassifier builds a Classifier from a validated Config.
func NewClassifier(c Config) Classifier {
	arms := make(map[string]Arm, len(c.CanaryValues)+len(c.StableValues))
	for _, v := range c.CanaryValues {
		arms[v] = Canary
	}
	for _, v := range c.StableValues {
		arms[v] = Stable
	}
	fallback := None
	switch c.Default {
	case "canary":
		fallback = Canary
	case "stable":
		fallback = Stable
	}
	return Classifier{arms: arms, fallback: fallback}
}

// Arm returns the arm of a present attribute value.
func (c Classifier) Arm(value string) Arm {
	if a, ok := c.arms[value]; ok {
		return a
	}
	if _, _, ok := ParseRelease(value); ok {
		return Canary
	}
	return c.fallback
}

// Missing returns the arm of a span that carries no stage value at all.
func (c Classifier) Missing() Arm { return c.fallback }

// ParseRelease splits a release-qualified baggage value "<service>@<version>".
// Only canaries propagate such values, so a match always means the canary arm
// of that one release.
func ParseRelease(value string) (service, version string, ok bool) {
	i := strings.LastIndexByte(value, '@')
	if i <= 0 || i == len(value)-1 {
		return "", "", false
	}
	return value[:i], value[i+1:], true
}
