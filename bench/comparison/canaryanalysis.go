package comparison

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/bench/workload"
	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector"
)

// CanaryAnalysis is canarytrace's connector with its default
// configuration (interval 10s, stated to match the README): it counts
// calls and durations, keeps the window gauges and the evidence, and
// judges every step.
func CanaryAnalysis() Connector {
	f := canaryanalysisconnector.NewFactory()
	return Connector{
		Name:    "canary_analysis",
		Factory: f,
		Config:  map[string]any{"interval": "10s"},
		counter: callCounter{
			metric: "canary.calls",
			classify: func(a pcommon.Map) (workload.Stage, bool, bool) {
				st, ok := stageOf(a, "deployment.stage")
				status, _ := a.Get("status")
				return st, status.Str() == "error", ok
			},
		},
		create: func(ctx context.Context, cfg component.Config, w *Workload, out *metricsSink) (connector.Traces, func(context.Context) error, error) {
			conn, err := f.CreateTracesToMetrics(ctx, nopSettings(f), cfg, out)
			if err != nil {
				return nil, nil, err
			}
			return conn, func(ctx context.Context) error {
				return judgeLastStep(ctx, conn, cfg.(*canaryanalysisconnector.Config), w.truth.LastEnd)
			}, nil
		},
	}
}

// judgeLastStep has canary_analysis judge the step of the workload's last
// span, and so emit its final canary.calls, as a live collector would once
// allowed_lateness had passed: it sends one span of a service with no
// stage (counted as unattributed, in no series) that ends allowed_lateness
// and an interval after the last one, moving the watermark past it.
func judgeLastStep(ctx context.Context, conn connector.Traces, cfg *canaryanalysisconnector.Config, lastEnd int64) error {
	end := time.Unix(0, lastEnd).Add(cfg.AllowedLateness + cfg.Interval)
	if limit := time.Now().Add(cfg.MaxFutureSkew); end.After(limit) {
		return fmt.Errorf("the workload ends too recently: a span ending %v would be beyond max_future_skew (%v)", end, limit)
	}
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "bench-probe")
	s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetTraceID(pcommon.TraceID{0x00, 15: 0x02}) // no generated kind
	s.SetSpanID(pcommon.SpanID{7: 0x02})
	s.SetName("probe")
	s.SetStartTimestamp(pcommon.NewTimestampFromTime(end.Add(-time.Millisecond)))
	s.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
	return conn.ConsumeTraces(ctx, td)
}
