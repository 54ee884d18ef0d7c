package canaryverdictexporter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/canarytrace/canarytrace/exporter/canaryverdictexporter/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	custom := createDefaultConfig().(*Config)
	custom.NetAddr.Endpoint = "0.0.0.0:9999"
	storageID := component.MustNewID("file_storage")
	custom.Storage = &storageID
	custom.TraceLink = "http://jaeger:16686/trace/{trace_id}"
	custom.GracePeriod = 20 * time.Second
	custom.InstanceExpiry = 2 * time.Minute
	custom.MaxInstances = 10
	custom.RunIdle = 15 * time.Minute
	custom.History = HistoryConfig{Retention: 24 * time.Hour, MaxRuns: 5}
	custom.OperatorAuth = &configauth.Config{AuthenticatorID: component.MustNewIDWithName("basicauth", "ops")}

	tests := []struct {
		id       component.ID
		expected *Config
	}{
		{id: component.NewID(metadata.Type), expected: createDefaultConfig().(*Config)},
		{id: component.NewIDWithName(metadata.Type, "custom"), expected: custom},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tt.expected, cfg)
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	assert.Equal(t, "localhost:8787", cfg.NetAddr.Endpoint)
	assert.False(t, cfg.CORS.HasValue(), "CORS must be off by default")
	assert.False(t, cfg.Auth.HasValue())
	assert.Nil(t, cfg.OperatorAuth)
	assert.Nil(t, cfg.Storage)
	require.NoError(t, cfg.Validate())
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   error
	}{
		{"no endpoint", func(c *Config) { c.NetAddr.Endpoint = "" }, errEndpointMissing},
		{"zero grace period", func(c *Config) { c.GracePeriod = 0 }, errGracePeriod},
		{"expiry not beyond grace", func(c *Config) { c.InstanceExpiry = c.GracePeriod }, errInstanceExpiry},
		{"no instances", func(c *Config) { c.MaxInstances = 0 }, errMaxInstances},
		{"zero run idle", func(c *Config) { c.RunIdle = 0 }, errRunIdle},
		{"negative retention", func(c *Config) { c.History.Retention = -time.Second }, errHistoryRetention},
		{"no runs kept", func(c *Config) { c.History.MaxRuns = 0 }, errHistoryMaxRuns},
		{"link without placeholder", func(c *Config) { c.TraceLink = "http://jaeger/trace/" }, errTraceLinkPlaceholder},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			tt.modify(cfg)
			assert.ErrorIs(t, cfg.Validate(), tt.want)
		})
	}
}
