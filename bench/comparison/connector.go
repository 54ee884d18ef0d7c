package comparison

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/connector/connectortest"

	"github.com/canarytrace/canarytrace/bench/workload"
)

// Connector is one traces-to-metrics contender: a factory, the
// configuration a user would write in YAML, the counter its calls are
// read from, and what it takes to make it emit everything it counted
// before Shutdown (see canaryanalysis.go and spanmetrics.go).
type Connector struct {
	Name    string
	Factory connector.Factory
	Config  map[string]any
	counter callCounter
	// create builds the connector in front of out for a run of w, and
	// returns finish, which makes it, once started and fed, emit its
	// final counts. finish runs inside the measurement: it is part of the
	// connector's work.
	create func(ctx context.Context, cfg component.Config, w *Workload, out *metricsSink) (conn connector.Traces, finish func(context.Context) error, err error)
}

// recentMargin is how far before the wall clock a connector's workload
// ends: canary_analysis follows span time behind the wall clock, and its
// final probe (allowed_lateness plus an interval after the last span) must
// still lie before the wall clock plus max_future_skew.
const recentMargin = 2 * time.Minute

// PrepareRecent generates a connector run's workload so that its span time
// ends recentMargin before now, as a collector's recent traffic does. (A
// workload dated far in the past would be a backlog older than
// canary_analysis judges, every span late.)
func PrepareRecent(cfg workload.Config, now time.Time) (*Workload, error) {
	cfg.Start = now.Add(-cfg.SpanTime() - recentMargin)
	return Prepare(cfg)
}

// MeasureConnectorCPU prepares a recent workload and runs it through a new
// connector.
func MeasureConnectorCPU(ctx context.Context, c Connector, cfg workload.Config) (CPU, error) {
	w, err := PrepareRecent(cfg, time.Now())
	if err != nil {
		return CPU{}, err
	}
	return RunConnectorCPU(ctx, c, w)
}

// RunConnectorCPU measures the workload decoded and fed to a new connector,
// from its creation to the end of its Shutdown, its final metrics
// included, net of decoding (see measureCaller).
func RunConnectorCPU(ctx context.Context, c Connector, w *Workload) (CPU, error) {
	out := newMetricsSink(c.counter)
	r, err := w.measureCaller(ctx, func() (underTest, error) { return c.start(ctx, w, out) })
	if err != nil {
		return CPU{}, fmt.Errorf("%s: %w", c.Name, err)
	}
	r.Calls = out.result()
	return r, nil
}

// started is a running connector whose Shutdown first has it emit its
// final counts.
type started struct {
	connector.Traces
	finish func(context.Context) error
}

func (s started) Shutdown(ctx context.Context) error {
	if err := s.finish(ctx); err != nil {
		return fmt.Errorf("final metrics: %w", err)
	}
	return s.Traces.Shutdown(ctx)
}

func (c Connector) start(ctx context.Context, w *Workload, out *metricsSink) (underTest, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	conn, finish, err := c.create(ctx, cfg, w, out)
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	if err := conn.Start(ctx, componenttest.NewNopHost()); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	return started{Traces: conn, finish: finish}, nil
}

func (c Connector) config() (component.Config, error) {
	cfg := c.Factory.CreateDefaultConfig()
	if err := confmap.NewFromStringMap(c.Config).Unmarshal(cfg); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if v, ok := cfg.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	return cfg, nil
}

func nopSettings(f connector.Factory) connector.Settings {
	return connectortest.NewNopSettings(f.Type())
}
