package traffic

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// StageKey is both the resource attribute of a pod group and the baggage key
// (copied onto spans as a span attribute) that says which stage a request
// came through.
const StageKey = "deployment.stage"

// Stage values.
const (
	StageStable = "stable"
	StageCanary = "canary"
)

// stageFromBaggage copies the caller's deployment.stage from baggage onto
// every span as it starts, as a baggage span processor does in a real
// service: a stable inventory pod called by a canary checkout pod records
// deployment.stage=canary on its spans while its resource says stable.
type stageFromBaggage struct{}

var _ sdktrace.SpanProcessor = stageFromBaggage{}

func (stageFromBaggage) OnStart(parent context.Context, s sdktrace.ReadWriteSpan) {
	if m := baggage.FromContext(parent).Member(StageKey); m.Key() != "" {
		s.SetAttributes(attribute.String(StageKey, m.Value()))
	}
}

func (stageFromBaggage) OnEnd(sdktrace.ReadOnlySpan)      {}
func (stageFromBaggage) Shutdown(context.Context) error   { return nil }
func (stageFromBaggage) ForceFlush(context.Context) error { return nil }

// withStageBaggage is what the release's pods do at the start of a request:
// put their own stage in baggage for every service downstream.
func withStageBaggage(ctx context.Context, stage string) context.Context {
	m, err := baggage.NewMemberRaw(StageKey, stage)
	if err != nil {
		return ctx // stage values are constants; cannot happen
	}
	b, err := baggage.FromContext(ctx).SetMember(m)
	if err != nil {
		return ctx
	}
	return baggage.ContextWithBaggage(ctx, b)
}

// stageOf reads the stage a downstream service sees in baggage.
func stageOf(ctx context.Context) string {
	return baggage.FromContext(ctx).Member(StageKey).Value()
}
