package canarysamplingprocessor

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestConcurrentBatchesKeepWholeTraces sends batches from several
// goroutines while the real ticker decides traces (decision_wait 1ms, so
// many spans arrive after their trace's decision), then shuts down. Every
// trace must come out whole or not at all: its late spans follow its cached
// decision, and nothing is lost at shutdown.
func TestConcurrentBatchesKeepWholeTraces(t *testing.T) {
	cfg := testConfig()
	cfg.DecisionWait = time.Millisecond
	cfg.StablePercentage = 30
	p := newTestSampler(t, cfg)
	p.clock = realClock()
	require.NoError(t, p.Start(context.Background(), nil))

	sent := map[pcommon.TraceID]int{}
	var batches []ptrace.Traces
	generate(11, 3000, 4, 6, func(td ptrace.Traces) {
		forEachSpan(td, func(_ ptrace.ResourceSpans, s ptrace.Span) { sent[s.TraceID()]++ })
		batches = append(batches, td)
	})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(batches); i += 4 {
				assert.NoError(t, p.ConsumeTraces(context.Background(), batches[i]))
			}
		}()
	}
	wg.Wait()
	require.NoError(t, p.Shutdown(context.Background()))

	got := map[pcommon.TraceID]int{}
	for _, td := range p.sink.AllTraces() {
		forEachSpan(td, func(_ ptrace.ResourceSpans, s ptrace.Span) { got[s.TraceID()]++ })
	}
	require.NotEmpty(t, got)
	for id, n := range got {
		assert.Equal(t, sent[id], n, "trace %v forwarded in part", id)
	}
}

// realClock is the production clock, for tests that run the
// real ticker.
func realClock() func() int64 {
	start := time.Now()
	return func() int64 { return int64(time.Since(start)) }
}
