package canaryanalysisconnector

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector/internal/metadata"
	"github.com/canarytrace/canarytrace/internal/judge"
	"github.com/canarytrace/canarytrace/internal/stage"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	custom := judge.Criteria{
		Confidence: 0.99,
		MinSamples: 50,
		ErrorRate:  judge.ErrorRateCriteria{MaxRelativeIncrease: 1, MaxAbsoluteIncrease: 0.002, FailAbove: 0.05, PassBelow: 0.01},
		Latency:    judge.LatencyCriteria{Quantiles: []float64{0.9}, MaxRelativeIncrease: 0.3},
	}
	tests := []struct {
		id   component.ID
		want *Config
	}{
		{component.NewID(metadata.Type), createDefaultConfig().(*Config)},
		{component.NewIDWithName(metadata.Type, "custom"), &Config{
			Stage:             stage.Config{Attribute: "release.stage", CanaryValues: []string{"canary", "preview"}, StableValues: []string{"stable"}},
			Dimensions:        []string{"service.name", "span.name", "http.route"},
			Errors:            ErrorsConfig{SpanStatus: true},
			Interval:          15 * time.Second,
			Window:            time.Minute,
			Criteria:          custom,
			MaxSeries:         100,
			TraceCacheEntries: 1024,
			Temporality:       "delta",
			AllowedLateness:   20 * time.Second,
			MaxFutureSkew:     2 * time.Minute,
			Exemplars:         2,
			ExportEvidence:    false,
			UseWallClock:      false,
			ReleaseExpiry:     30 * time.Minute,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			assert.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tt.want, cfg)
		})
	}
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
	}{
		{"defaults", mod(func(*Config) {}), nil},
		{"stage", mod(func(c *Config) { c.Stage.Attribute = "" }), stage.ErrEmptyAttribute},
		{"dimensions without service.name first", mod(func(c *Config) { c.Dimensions = []string{"span.name"} }), ErrDimensions},
		{"repeated dimension", mod(func(c *Config) { c.Dimensions = []string{"service.name", "span.name", "span.name"} }), ErrDimensions},
		{"no error definition", mod(func(c *Config) { c.Errors = ErrorsConfig{} }), ErrNothingCountsAsFail},
		{"interval", mod(func(c *Config) { c.Interval = 0 }), ErrInterval},
		{"window not a multiple", mod(func(c *Config) { c.Window = 25 * time.Second }), ErrWindow},
		{"confidence", mod(func(c *Config) { c.Confidence = 1 }), judge.ErrConfidence},
		{"min samples", mod(func(c *Config) { c.MinSamples = 0 }), judge.ErrMinSamples},
		{"quantile", mod(func(c *Config) { c.Latency.Quantiles = []float64{1.5} }), judge.ErrQuantile},
		{"max series", mod(func(c *Config) { c.MaxSeries = 0 }), ErrMaxSeries},
		{"trace cache not a power of two", mod(func(c *Config) { c.TraceCacheEntries = 1000 }), ErrTraceCacheEntries},
		{"trace cache below one set", mod(func(c *Config) { c.TraceCacheEntries = 4 }), ErrTraceCacheEntries},
		{"temporality", mod(func(c *Config) { c.Temporality = "monotonic" }), ErrTemporality},
		{"lateness", mod(func(c *Config) { c.AllowedLateness = -time.Second }), ErrAllowedLateness},
		{"skew", mod(func(c *Config) { c.MaxFutureSkew = 0 }), ErrMaxFutureSkew},
		{"exemplars", mod(func(c *Config) { c.Exemplars = -1 }), ErrExemplars},
		{"expiry", mod(func(c *Config) { c.ReleaseExpiry = 40 * time.Second }), ErrReleaseExpiry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestInvalidConfigFiles(t *testing.T) {
	tests := map[string]error{
		"invalid_window.yaml":      ErrWindow,
		"invalid_temporality.yaml": ErrTemporality,
		"invalid_dimensions.yaml":  ErrDimensions,
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			cm, err := confmaptest.LoadConf(filepath.Join("testdata", file))
			require.NoError(t, err)
			cfg := createDefaultConfig()
			require.NoError(t, cm.Unmarshal(cfg))
			assert.ErrorIs(t, confmap.Validate(cfg), want)
		})
	}
}
