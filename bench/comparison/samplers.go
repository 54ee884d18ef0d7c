package comparison

import (
	"context"
	"fmt"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/tailsamplingprocessor"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"
)

// Sampler is one contender: a processor factory and the configuration,
// written as a user would write it in YAML, that makes it keep every canary
// trace, every error trace and 10% of the rest.
type Sampler struct {
	Name    string
	Factory processor.Factory
	// Config returns the configuration for a run that buffers each trace
	// for wait and holds up to maxTraces traces.
	Config func(wait time.Duration, maxTraces int) map[string]any
}

// CanarySampling is canarytrace's processor.
func CanarySampling() Sampler {
	return Sampler{
		Name:    "canary_sampling",
		Factory: canarysamplingprocessor.NewFactory(),
		Config: func(wait time.Duration, maxTraces int) map[string]any {
			return map[string]any{
				"decision_wait":     wait.String(),
				"max_traces":        maxTraces,
				"canary_percentage": 100,
				"stable_percentage": 10,
				"keep_errors":       true,
			}
		},
	}
}

// TailSampling is contrib's tail_sampling with the policies that make the
// same decisions: policies are OR-ed, so a trace is kept when any matches.
// string_attribute looks at resource and span attributes alike, as
// canary_sampling's stage rule does.
func TailSampling() Sampler {
	return Sampler{
		Name:    "tail_sampling",
		Factory: tailsamplingprocessor.NewFactory(),
		Config: func(wait time.Duration, maxTraces int) map[string]any {
			return map[string]any{
				"decision_wait": wait.String(),
				"num_traces":    maxTraces,
				"policies": []any{
					map[string]any{"name": "canary", "type": "string_attribute",
						"string_attribute": map[string]any{"key": "deployment.stage", "values": []any{"canary"}}},
					map[string]any{"name": "errors", "type": "status_code",
						"status_code": map[string]any{"status_codes": []any{"ERROR"}}},
					map[string]any{"name": "stable", "type": "probabilistic",
						"probabilistic": map[string]any{"sampling_percentage": 10}},
				},
			}
		},
	}
}

// start builds and starts the processor in front of next.
func (s Sampler) start(ctx context.Context, wait time.Duration, maxTraces int, next consumer.Traces) (processor.Traces, error) {
	cfg := s.Factory.CreateDefaultConfig()
	if err := confmap.NewFromStringMap(s.Config(wait, maxTraces)).Unmarshal(cfg); err != nil {
		return nil, fmt.Errorf("%s: config: %w", s.Name, err)
	}
	p, err := s.Factory.CreateTraces(ctx, processortest.NewNopSettings(s.Factory.Type()), cfg, next)
	if err != nil {
		return nil, fmt.Errorf("%s: create: %w", s.Name, err)
	}
	if err := p.Start(ctx, componenttest.NewNopHost()); err != nil {
		return nil, fmt.Errorf("%s: start: %w", s.Name, err)
	}
	return p, nil
}
