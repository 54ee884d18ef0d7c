package canarysamplingprocessor

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/canarytrace/canarytrace/processor/canarysamplingprocessor/internal/metadata"
)

const (
	benchTraces        = 20_000
	benchServices      = 4
	benchSpansPerTrace = 8
)

func newBenchSampler(b *testing.B) *canarySampler {
	cfg := createDefaultConfig().(*Config)
	p, err := newCanarySampler(processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkConsumeTraces measures the whole life of a span: buffering,
// deciding and rebuilding the kept ones, reported as ns/span.
func BenchmarkConsumeTraces(b *testing.B) {
	var batches []ptrace.Traces
	spans := generate(1, benchTraces, benchServices, benchSpansPerTrace, func(td ptrace.Traces) {
		td.MarkReadOnly()
		batches = append(batches, td)
	})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var cpu time.Duration
	for range b.N {
		b.StopTimer()
		p := newBenchSampler(b)
		runtime.GC()
		start := cpuTime()
		b.StartTimer()
		for _, td := range batches {
			_ = p.ConsumeTraces(ctx, td)
		}
		_ = p.Shutdown(ctx)
		cpu += cpuTime() - start
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spans), "ns/span")
	// CPU time of the whole process (every thread, GC included): unlike
	// wall time, it does not grow when other processes share the cores.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*spans), "cpu-ns/span")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBufferedSpanMemory measures the heap held per buffered span, after
// GC, with every trace still buffered and the received batches released.
func BenchmarkBufferedSpanMemory(b *testing.B) {
	ctx := context.Background()
	for range b.N {
		p := newBenchSampler(b)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		spans := generate(2, benchTraces, benchServices, benchSpansPerTrace, func(td ptrace.Traces) {
			_ = p.ConsumeTraces(ctx, td)
		})
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(spans), "B/span")
		runtime.KeepAlive(p)
	}
}
