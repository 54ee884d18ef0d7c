package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"

	"github.com/canarytrace/canarytrace/internal/stage"
	"github.com/canarytrace/canarytrace/processor/canarysamplingprocessor/internal/metadata"
)

const (
	defaultDecisionWait      = 10 * time.Second
	defaultMaxTraces         = 100_000
	defaultMaxSpansPerTrace  = 1_000
	defaultKeptCacheSize     = 100_000
	defaultDroppedCacheSize  = 100_000
	defaultCanaryPercentage  = 100
	defaultStablePercentage  = 10
	defaultKeepErrors        = true
	defaultKeepSlowerThanOff = 0
)

// NewFactory returns the factory of the canary_sampling processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		createDefaultConfig,
		processor.WithTraces(createTraces, metadata.TracesStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		DecisionWait:     defaultDecisionWait,
		MaxTraces:        defaultMaxTraces,
		MaxSpansPerTrace: defaultMaxSpansPerTrace,
		DecisionCache:    DecisionCacheConfig{Kept: defaultKeptCacheSize, Dropped: defaultDroppedCacheSize},
		Stage:            stage.DefaultConfig(),
		CanaryPercentage: defaultCanaryPercentage,
		StablePercentage: defaultStablePercentage,
		KeepErrors:       defaultKeepErrors,
		KeepSlowerThan:   defaultKeepSlowerThanOff,
	}
}

func createTraces(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	return newCanarySampler(set, cfg.(*Config), next)
}
