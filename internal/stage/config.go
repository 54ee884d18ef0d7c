package stage

import (
	"errors"
	"fmt"
)

// DefaultAttribute is the resource and span attribute that names a stage.
const DefaultAttribute = "deployment.stage"

// Config is the `stage:` block shared by the processor and the connector.
type Config struct {
	// Attribute is the key read from the resource (which code ran) and from
	// the span (who called, copied from baggage). Default "deployment.stage".
	Attribute string `mapstructure:"attribute"`
	// CanaryValues are the values that mark the canary arm. A value of the
	// form "<service>@<version>" also marks the canary arm, of that release
	// only, so two releases canarying at once can be told apart downstream.
	// Default [canary].
	CanaryValues []string `mapstructure:"canary_values"`
	// StableValues are the values that mark the stable arm.
	// Default [stable, primary, baseline].
	StableValues []string `mapstructure:"stable_values"`
	// Default is the arm of a span whose value is in neither list (or
	// absent): "" (the default) leaves it unattributed; "canary" or "stable"
	// puts it in that arm.
	Default string `mapstructure:"default"`
	// Annotate writes a trace's stage onto its spans that carry none, so
	// metrics computed downstream attribute them. Default false. Only the
	// processor, which holds whole traces, acts on it.
	Annotate bool `mapstructure:"annotate"`

	_ struct{}
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		Attribute:    DefaultAttribute,
		CanaryValues: []string{"canary"},
		StableValues: []string{"stable", "primary", "baseline"},
	}
}

var (
	ErrEmptyAttribute  = errors.New("stage.attribute must not be empty")
	ErrNoCanaryValues  = errors.New("stage.canary_values must list at least one value")
	ErrNoStableValues  = errors.New("stage.stable_values must list at least one value")
	ErrEmptyStageValue = errors.New("stage values must not be empty strings")
)

// Validate reports the first rule the block breaks.
func (c Config) Validate() error {
	if c.Attribute == "" {
		return ErrEmptyAttribute
	}
	if len(c.CanaryValues) == 0 {
		return ErrNoCanaryValues
	}
	if len(c.StableValues) == 0 {
		return ErrNoStableValues
	}
	seen := make(map[string]string, len(c.CanaryValues)+len(c.StableValues))
	for _, v := range c.CanaryValues {
		if v == "" {
			return ErrEmptyStageValue
		}
		seen[v] = "canary_values"
	}
	for _, v := range c.StableValues {
		if v == "" {
			return ErrEmptyStageValue
		}
		if _, dup := seen[v]; dup {
			return fmt.Errorf("stage value %q is listed in both canary_values and stable_values", v)
		}
	}
	switch c.Default {
	case "", "canary", "stable":
	default:
		return fmt.Errorf("stage.default must be \"\", \"canary\" or \"stable\", got %q", c.Default)
	}
	return nil
}
