package canarysamplingprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/canarytrace/canarytrace/internal/stage"
	"github.com/canarytrace/canarytrace/processor/canarysamplingprocessor/internal/metadata"
)

func loadConfig(t *testing.T, file, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", file))
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg, confmap.Validate(cfg)
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name string
		want *Config
	}{
		{name: "", want: createDefaultConfig().(*Config)},
		{name: "custom", want: &Config{
			DecisionWait:     30 * time.Second,
			DecideOnRoot:     true,
			MaxTraces:        5000,
			MaxSpansPerTrace: 200,
			DecisionCache:    DecisionCacheConfig{Kept: 2000, Dropped: 8000},
			Stage: stage.Config{
				Attribute:    "release.stage",
				CanaryValues: []string{"canary", "preview"},
				StableValues: []string{"stable"},
				Default:      "stable",
				Annotate:     true,
			},
			CanaryPercentage: 50,
			StablePercentage: 2.5,
			KeepErrors:       false,
			KeepSlowerThan:   2 * time.Second,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(t, "config.yaml", tt.name)
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg)
		})
	}
}

func TestDefaultConfigMatchesDesign(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	assert.Equal(t, &Config{
		DecisionWait:     10 * time.Second,
		MaxTraces:        100_000,
		MaxSpansPerTrace: 1_000,
		DecisionCache:    DecisionCacheConfig{Kept: 100_000, Dropped: 100_000},
		Stage:            stage.DefaultConfig(),
		CanaryPercentage: 100,
		StablePercentage: 10,
		KeepErrors:       true,
	}, cfg)
	assert.NoError(t, cfg.Validate())
}

func TestValidate(t *testing.T) {
	mod := func(f func(*Config)) *Config {
		c := createDefaultConfig().(*Config)
		f(c)
		return c
	}
	tests := []struct {
		name string
		cfg  *Config
		want error
		msg  string
	}{
		{"decision_wait zero", mod(func(c *Config) { c.DecisionWait = 0 }), errNonPositiveDecisionWait, "decision_wait must be positive, got 0s"},
		{"max_traces zero", mod(func(c *Config) { c.MaxTraces = 0 }), errNonPositiveMaxTraces, "max_traces must be positive, got 0"},
		{"max_spans_per_trace zero", mod(func(c *Config) { c.MaxSpansPerTrace = 0 }), errNonPositiveMaxSpans, "max_spans_per_trace must be positive, got 0"},
		{"max_spans_per_trace too large", mod(func(c *Config) { c.MaxSpansPerTrace = 2_000_000 }), errTooLargeMaxSpansPerTrace, "max_spans_per_trace must be at most 1000000, got 2000000"},
		{"negative cache", mod(func(c *Config) { c.DecisionCache.Dropped = -1 }), errNegativeCacheSize, "decision_cache sizes must not be negative, got kept 100000, dropped -1"},
		{"canary above 100", mod(func(c *Config) { c.CanaryPercentage = 100.5 }), errCanaryPercentageRange, "canary_percentage must be between 0 and 100, got 100.5"},
		{"stable negative", mod(func(c *Config) { c.StablePercentage = -1 }), errStablePercentageRange, "stable_percentage must be between 0 and 100, got -1"},
		{"negative keep_slower_than", mod(func(c *Config) { c.KeepSlowerThan = -time.Second }), errNegativeKeepSlowerThan, "keep_slower_than must not be negative (0 turns it off), got -1s"},
		{"stage", mod(func(c *Config) { c.Stage.Attribute = "" }), stage.ErrEmptyAttribute, "stage.attribute must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			assert.ErrorIs(t, err, tt.want)
			assert.EqualError(t, err, tt.msg)
		})
	}
}

func TestInvalidConfigFiles(t *testing.T) {
	files := map[string]error{
		"invalid_decision_wait.yaml":                 errNonPositiveDecisionWait,
		"invalid_max_traces.yaml":                    errNonPositiveMaxTraces,
		"invalid_max_spans_per_trace.yaml":           errNonPositiveMaxSpans,
		"invalid_max_spans_per_trace_too_large.yaml": errTooLargeMaxSpansPerTrace,
		"invalid_decision_cache.yaml":                errNegativeCacheSize,
		"invalid_canary_percentage.yaml":             errCanaryPercentageRange,
		"invalid_stable_percentage.yaml":             errStablePercentageRange,
		"invalid_keep_slower_than.yaml":              errNegativeKeepSlowerThan,
		"invalid_stage.yaml":                         stage.ErrNoCanaryValues,
	}
	for file, want := range files {
		t.Run(file, func(t *testing.T) {
			_, err := loadConfig(t, file, "")
			assert.ErrorIs(t, err, want)
		})
	}
}
