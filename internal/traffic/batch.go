package traffic

import (
	"context"
	"sync"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// batch is the span processor that receives every ended span of every pod
// group. Unlike the SDK's BatchSpanProcessor it exports nothing by itself:
// the generator takes the spans between requests, so batch boundaries, and
// therefore the output, depend only on the seed.
type batch struct {
	mu    sync.Mutex
	spans []sdktrace.ReadOnlySpan
}

var _ sdktrace.SpanProcessor = (*batch)(nil)

func (b *batch) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

func (b *batch) OnEnd(s sdktrace.ReadOnlySpan) {
	b.mu.Lock()
	b.spans = append(b.spans, s)
	b.mu.Unlock()
}

func (b *batch) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.spans)
}

func (b *batch) take() []sdktrace.ReadOnlySpan {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.spans
	b.spans = make([]sdktrace.ReadOnlySpan, 0, cap(s))
	return s
}

func (b *batch) Shutdown(context.Context) error   { return nil }
func (b *batch) ForceFlush(context.Context) error { return nil }
