package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/canarytrace/canarytrace/internal/stage"
	"github.com/canarytrace/canarytrace/processor/canarysamplingprocessor/internal/metadata"
)

// telemetry records the processor's internal metrics with attribute sets
// built once, and adds counts once per batch or tick, not per span.
type telemetry struct {
	tb       *metadata.TelemetryBuilder
	decided  [2][3][numReasons]metric.MeasurementOption // [kept][arm][reason]
	early    [numCauses]metric.MeasurementOption
	lateKept metric.MeasurementOption
	lateDrop metric.MeasurementOption
	lateMiss metric.MeasurementOption
}

func newTelemetry(set component.TelemetrySettings) (*telemetry, error) {
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	t := &telemetry{tb: tb}
	for keep, decision := range []string{"dropped", "kept"} {
		for _, arm := range []stage.Arm{stage.None, stage.Canary, stage.Stable} {
			for r := range numReasons {
				t.decided[keep][arm][r] = metric.WithAttributeSet(attribute.NewSet(
					attribute.String("decision", decision),
					attribute.String("stage", armName(arm)),
					attribute.String("reason", r.String()),
				))
			}
		}
	}
	for c := range numCauses {
		t.early[c] = metric.WithAttributeSet(attribute.NewSet(attribute.String("cause", c.String())))
	}
	t.lateKept = metric.WithAttributeSet(attribute.NewSet(attribute.String("cache", "kept")))
	t.lateDrop = metric.WithAttributeSet(attribute.NewSet(attribute.String("cache", "dropped")))
	t.lateMiss = metric.WithAttributeSet(attribute.NewSet(attribute.String("cache", "miss")))
	return t, nil
}

// armName is the stage attribute value: an arm's name, "none" for no arm.
func armName(a stage.Arm) string {
	if a == stage.None {
		return "none"
	}
	return a.String()
}

// internedStrings is the dictionary's hook for new strings.
func (t *telemetry) internedStrings(n int) {
	t.tb.ProcessorCanarySamplingInternedStrings.Add(context.Background(), int64(n))
}

func (t *telemetry) recordBatch(ctx context.Context, b *batch) {
	if b.newTraces > 0 {
		t.tb.ProcessorCanarySamplingTracesHeld.Add(ctx, b.newTraces)
	}
	for c, n := range b.early {
		if n > 0 {
			t.tb.ProcessorCanarySamplingEarlyDecisions.Add(ctx, n, t.early[c])
		}
	}
	if b.late.kept > 0 {
		t.tb.ProcessorCanarySamplingLateSpans.Add(ctx, b.late.kept, t.lateKept)
	}
	if b.late.dropped > 0 {
		t.tb.ProcessorCanarySamplingLateSpans.Add(ctx, b.late.dropped, t.lateDrop)
	}
	if b.invalidTraceStates > 0 {
		t.tb.ProcessorCanarySamplingInvalidTracestates.Add(ctx, b.invalidTraceStates)
	}
}

// recordDecisions counts decided traces and their spans, summed per
// attribute set first, and each trace's decision latency.
func (t *telemetry) recordDecisions(ctx context.Context, now int64, decided []decidedTrace) {
	if len(decided) == 0 {
		return
	}
	var traces, spans [2][3][numReasons]int64
	var missed int64
	for _, d := range decided {
		keep, arm, r := btoi(d.decision.keep), d.trace.summary.arm, d.decision.reason
		traces[keep][arm][r]++
		spans[keep][arm][r] += int64(d.trace.count)
		if d.trace.rebuffered {
			missed += int64(d.trace.count)
		}
		latency := time.Duration(now - d.trace.arrived).Seconds()
		t.tb.ProcessorCanarySamplingDecisionLatency.Record(ctx, latency)
	}
	for keep := range traces {
		for arm := range traces[keep] {
			for r, n := range traces[keep][arm] {
				if n == 0 {
					continue
				}
				t.tb.ProcessorCanarySamplingTraces.Add(ctx, n, t.decided[keep][arm][r])
				t.tb.ProcessorCanarySamplingSpans.Add(ctx, spans[keep][arm][r], t.decided[keep][arm][r])
			}
		}
	}
	if missed > 0 {
		t.tb.ProcessorCanarySamplingLateSpans.Add(ctx, missed, t.lateMiss)
	}
	t.tb.ProcessorCanarySamplingTracesHeld.Add(ctx, -int64(len(decided)))
}

func (t *telemetry) shutdown() { t.tb.Shutdown() }
