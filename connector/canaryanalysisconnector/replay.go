package canaryanalysisconnector

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/internal/judge"
)

// Replay runs the connector's code in span time only: the watermark follows
// span end times and never the wall clock, so replaying recorded spans at
// any speed gives the same steps and the same verdicts. It backs
// `canarytrace backtest`.
type Replay struct {
	c *canaryConnector
}

// NewReplay builds a span-time connector for a validated config. next
// receives the metrics a collector would send; onVerdict, when not nil, sees
// every release's verdict at every judged step.
func NewReplay(set connector.Settings, cfg *Config, next consumer.Metrics, onVerdict func(judge.ReleaseVerdict)) (*Replay, error) {
	if cfg == nil {
		return nil, errors.New("canary_analysis: nil config")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, err := newConnector(set, *cfg, next, nil)
	if err != nil {
		return nil, err
	}
	c.onVerdict = onVerdict
	return &Replay{c: c}, nil
}

// ConsumeTraces records spans and judges every step their end times close.
func (r *Replay) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	return r.c.ConsumeTraces(ctx, td)
}

// Flush judges every remaining step up to the one holding the latest span:
// the end of the recording.
func (r *Replay) Flush(ctx context.Context) error {
	return r.c.advance(ctx, true)
}

// Shutdown releases the connector's telemetry.
func (r *Replay) Shutdown(ctx context.Context) error {
	return r.c.Shutdown(ctx)
}
