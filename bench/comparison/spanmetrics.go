package comparison

import (
	"context"
	"errors"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/open-telemetry/opentelemetry-collector-contrib/connector/spanmetricsconnector"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/canarytrace/canarytrace/bench/workload"
)

// spanMetricsFlush is spanmetrics' metrics_flush_interval, its default,
// stated: a run's spans (20,000 traces are 40 s of traffic at 500
// requests a second) would see one flush or two in a live collector.
const spanMetricsFlush = 60 * time.Second

// flushTimeout bounds the wait for spanmetrics' flush: it is a failure,
// not a synchronisation.
const flushTimeout = time.Minute

// SpanMetrics is contrib's spanmetrics connector building the series
// canary_analysis builds: its default dimensions (service.name, span.name,
// span.kind, status.code) plus deployment.stage and service.version (read
// from span attributes, then resource attributes, as canary_analysis reads
// the stage), durations in an exponential histogram (160 buckets, its
// default).
func SpanMetrics() Connector {
	f := spanmetricsconnector.NewFactory()
	return Connector{
		Name:    "spanmetrics",
		Factory: f,
		Config: map[string]any{
			"dimensions": []any{
				map[string]any{"name": "deployment.stage"},
				map[string]any{"name": "service.version"},
			},
			"histogram":              map[string]any{"exponential": map[string]any{"max_size": 160}},
			"metrics_flush_interval": spanMetricsFlush.String(),
		},
		counter: callCounter{
			metric: "traces.span.metrics.calls",
			classify: func(a pcommon.Map) (workload.Stage, bool, bool) {
				st, ok := stageOf(a, "deployment.stage")
				code, _ := a.Get("status.code")
				return st, code.Str() == "STATUS_CODE_ERROR", ok
			},
		},
		create: func(ctx context.Context, cfg component.Config, _ *Workload, out *metricsSink) (connector.Traces, func(context.Context) error, error) {
			// spanmetrics emits only on its flush ticker, never at
			// Shutdown, and reads its clock from the context: a fake clock
			// lets the run trigger its flushes once every span is in. Two:
			// a cumulative series' first point is always 0 (a start
			// marker), its count comes with the next.
			clock := clockwork.NewFakeClock()
			conn, err := f.CreateTracesToMetrics(clockwork.AddToContext(ctx, clock), nopSettings(f), cfg, out)
			if err != nil {
				return nil, nil, err
			}
			return conn, func(context.Context) error {
				for range 2 {
					clock.Advance(spanMetricsFlush)
					select {
					case <-out.received:
					case <-time.After(flushTimeout):
						return errors.New("spanmetrics did not flush")
					}
				}
				return nil
			}, nil
		},
	}
}
