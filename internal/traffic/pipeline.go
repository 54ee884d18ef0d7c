package traffic

import (
	"context"
	"fmt"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// queuedBatches bounds the batches waiting for the exporter. Encoding and
// sending run beside generation on a second core; a few batches are enough
// to smooth the two, and the bound keeps memory flat when the exporter is
// slower than generation.
const queuedBatches = 4

// pipeline exports batches in order on its own goroutine. Order is kept, so
// the output is the same as exporting inline.
type pipeline struct {
	exp         sdktrace.SpanExporter
	timeout     time.Duration
	maxFailures int

	in      chan []sdktrace.ReadOnlySpan
	stopped chan struct{} // closed when the goroutine ends
	err     error         // why it ended early; read after stopped is closed

	// Owned by the goroutine until stopped is closed.
	sum         Summary
	tally       spanTally
	consecutive int
}

func startPipeline(ctx context.Context, exp sdktrace.SpanExporter, timeout time.Duration, maxFailures int) *pipeline {
	p := &pipeline{
		exp: exp, timeout: timeout, maxFailures: maxFailures,
		in: make(chan []sdktrace.ReadOnlySpan, queuedBatches), stopped: make(chan struct{}),
		tally: newSpanTally(),
	}
	go p.loop(ctx)
	return p
}

// send queues a batch; it fails once the exporter has given up.
func (p *pipeline) send(spans []sdktrace.ReadOnlySpan) error {
	select {
	case p.in <- spans:
		return nil
	case <-p.stopped:
		return p.err
	}
}

// close waits for every queued batch to be exported.
func (p *pipeline) close() error {
	close(p.in)
	<-p.stopped
	return p.err
}

func (p *pipeline) loop(ctx context.Context) {
	defer close(p.stopped)
	for spans := range p.in {
		if p.err = p.export(ctx, spans); p.err != nil {
			return
		}
	}
}

func (p *pipeline) export(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	p.tally.add(spans)
	for _, s := range spans {
		if !s.Parent().IsValid() {
			p.sum.SampledRequests++
		}
	}
	ectx, cancel := context.WithTimeout(ctx, p.timeout)
	err := p.exp.ExportSpans(ectx, spans)
	cancel()
	if err == nil {
		p.sum.SentSpans += int64(len(spans))
		p.consecutive = 0
		return nil
	}
	p.sum.FailedExports++
	p.sum.FailedSpans += int64(len(spans))
	p.sum.LastExportError = err
	p.consecutive++
	if p.sum.SentSpans == 0 || p.consecutive >= p.maxFailures {
		return fmt.Errorf("traffic: giving up after %d failed export(s): %w", p.consecutive, err)
	}
	return nil
}
