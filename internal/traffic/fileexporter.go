package traffic

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sync"

	"go.opentelemetry.io/collector/pdata/ptrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// FileExporter writes each batch as one line of OTLP JSON (an
// ExportTraceServiceRequest), the format the collector's file exporter
// writes and its otlpjsonfile receiver reads.
type FileExporter struct {
	mu  sync.Mutex
	w   *bufio.Writer
	m   ptrace.JSONMarshaler
	err error
}

var _ sdktrace.SpanExporter = (*FileExporter)(nil)

// NewFileExporter writes to w; Shutdown flushes but does not close it.
func NewFileExporter(w io.Writer) *FileExporter {
	return &FileExporter{w: bufio.NewWriterSize(w, 1<<20)}
}

// ExportSpans writes one line.
func (f *FileExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	if len(spans) == 0 {
		return nil
	}
	buf, err := f.m.MarshalTraces(SpansToTraces(spans))
	if err != nil {
		return fmt.Errorf("encode OTLP JSON: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if _, err := f.w.Write(buf); err != nil {
		f.err = fmt.Errorf("write OTLP JSON: %w", err)
		return f.err
	}
	if err := f.w.WriteByte('\n'); err != nil {
		f.err = fmt.Errorf("write OTLP JSON: %w", err)
	}
	return f.err
}

// Shutdown flushes buffered lines.
func (f *FileExporter) Shutdown(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if err := f.w.Flush(); err != nil {
		f.err = fmt.Errorf("write OTLP JSON: %w", err)
	}
	return f.err
}
