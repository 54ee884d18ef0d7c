package canarysamplingprocessor

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// maxBytesPerBufferedSpan guards the compact encoding: the target is
// half of contrib tail_sampling's ~620 B per buffered span; the encoding
// holds ~135 B on the benchmark workload.
const maxBytesPerBufferedSpan = 250

// TestBufferedSpanMemoryIsBounded streams SDK-like batches (released after
// each call, as a receiver does) into a processor that decides nothing yet,
// and measures the heap the processor holds after GC.
func TestBufferedSpanMemoryIsBounded(t *testing.T) {
	p := newTestSampler(t, testConfig())
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	spans := generate(3, 5000, benchServices, benchSpansPerTrace, func(td ptrace.Traces) { p.consume(t, td) })
	runtime.GC()
	runtime.ReadMemStats(&after)
	perSpan := float64(after.HeapAlloc-before.HeapAlloc) / float64(spans)
	t.Logf("%.1f B per buffered span", perSpan)
	assert.Less(t, perSpan, float64(maxBytesPerBufferedSpan))
	assert.Zero(t, p.sink.SpanCount(), "every trace still buffered")
	runtime.KeepAlive(p)
}
