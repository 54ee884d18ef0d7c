package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/exporter"

	"github.com/canarytrace/canarytrace/exporter/canaryverdictexporter/internal/metadata"
	"github.com/canarytrace/canarytrace/internal/judge"
)

const (
	defaultEndpoint = "localhost:8787"
	// A connector reports a step at most allowed_lateness after it ends; a
	// few connector intervals (10s by default) covers the spread between
	// instances without holding a verdict back long.
	defaultGracePeriod    = 30 * time.Second
	defaultInstanceExpiry = 5 * time.Minute
	defaultMaxInstances   = 1000
	// A canary that gets no traffic for half an hour is over (promoted or
	// rolled back by the controller); shorter pauses keep the run open.
	defaultRunIdle        = 30 * time.Minute
	defaultHistoryRetain  = 30 * 24 * time.Hour
	defaultHistoryMaxRuns = 50
)

// NewFactory returns the canary_verdict exporter factory.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithMetrics(createMetrics, metadata.MetricsStability),
	)
}

func createDefaultConfig() component.Config {
	server := confighttp.NewDefaultServerConfig()
	server.NetAddr.Endpoint = defaultEndpoint
	return &Config{
		ServerConfig:   server,
		GracePeriod:    defaultGracePeriod,
		InstanceExpiry: defaultInstanceExpiry,
		MaxInstances:   defaultMaxInstances,
		RunIdle:        defaultRunIdle,
		History:        HistoryConfig{Retention: defaultHistoryRetain, MaxRuns: defaultHistoryMaxRuns},
		Criteria:       judge.DefaultCriteria(),
	}
}

func createMetrics(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Metrics, error) {
	return newVerdictExporter(set, cfg.(*Config))
}
