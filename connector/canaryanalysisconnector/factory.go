package canaryanalysisconnector

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"

	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector/internal/metadata"
	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/judge"
	"github.com/canarytrace/canarytrace/internal/stage"
)

const (
	defaultInterval        = 10 * time.Second
	defaultWindow          = 5 * time.Minute
	defaultMaxSeries       = 5000
	defaultTraceCache      = evidence.DefaultTraceCacheSize
	defaultAllowedLateness = 30 * time.Second
	defaultMaxFutureSkew   = time.Minute
	defaultExemplars       = 4
	defaultReleaseExpiry   = time.Hour
)

// NewFactory returns the factory of the canary_analysis connector.
func NewFactory() connector.Factory {
	return connector.NewFactory(
		metadata.Type,
		createDefaultConfig,
		connector.WithTracesToMetrics(createTracesToMetrics, metadata.TracesToMetricsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		Stage:             stage.DefaultConfig(),
		Dimensions:        []string{attrServiceName, attrSpanName, attrSpanKind},
		Errors:            ErrorsConfig{SpanStatus: true, HTTPServer5xx: true},
		Interval:          defaultInterval,
		Window:            defaultWindow,
		Criteria:          judge.DefaultCriteria(),
		MaxSeries:         defaultMaxSeries,
		TraceCacheEntries: defaultTraceCache,
		Temporality:       temporalityCumulative,
		AllowedLateness:   defaultAllowedLateness,
		MaxFutureSkew:     defaultMaxFutureSkew,
		Exemplars:         defaultExemplars,
		ExportEvidence:    true,
		UseWallClock:      true,
		ReleaseExpiry:     defaultReleaseExpiry,
	}
}

func createTracesToMetrics(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Metrics) (connector.Traces, error) {
	c := cfg.(*Config)
	if !c.UseWallClock {
		return newConnector(set, *c, next, nil)
	}
	return newConnector(set, *c, next, time.Now)
}
