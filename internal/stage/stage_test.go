package stage

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClassifierArms(t *testing.T) {
	c := NewClassifier(DefaultConfig())
	tests := map[string]Arm{
		"canary":         Canary,
		"stable":         Stable,
		"primary":        Stable,
		"baseline":       Stable,
		"checkout@1.2.0": Canary,
		"Canary":         None, // values are case-sensitive, like attribute values
		"":               None,
		"@1.2":           None,
		"checkout@":      None,
	}
	for value, want := range tests {
		assert.Equal(t, want, c.Arm(value), "value %q", value)
	}
	assert.Equal(t, None, c.Missing())
}

func TestClassifierDefaultArm(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Default = "stable"
	c := NewClassifier(cfg)
	assert.Equal(t, Stable, c.Arm("blue"))
	assert.Equal(t, Stable, c.Missing())
	assert.Equal(t, Canary, c.Arm("canary"))
}

func TestValidate(t *testing.T) {
	mod := func(f func(*Config)) Config { c := DefaultConfig(); f(&c); return c }
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"defaults", DefaultConfig(), ""},
		{"empty attribute", mod(func(c *Config) { c.Attribute = "" }), ErrEmptyAttribute.Error()},
		{"no canary values", mod(func(c *Config) { c.CanaryValues = nil }), ErrNoCanaryValues.Error()},
		{"no stable values", mod(func(c *Config) { c.StableValues = nil }), ErrNoStableValues.Error()},
		{"empty value", mod(func(c *Config) { c.StableValues = []string{""} }), ErrEmptyStageValue.Error()},
		{"overlap", mod(func(c *Config) { c.StableValues = []string{"canary"} }), `stage value "canary" is listed in both canary_values and stable_values`},
		{"bad default", mod(func(c *Config) { c.Default = "blue" }), `stage.default must be "", "canary" or "stable", got "blue"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tt.want)
		})
	}
}

func ExampleParseRelease() {
	fmt.Println(ParseRelease("checkout@1.4.0"))
	fmt.Println(ParseRelease("canary"))
	// Output:
	// checkout 1.4.0 true
	//   false
}
