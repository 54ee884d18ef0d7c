package canaryanalysisconnector

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector/internal/metadata"
)

// Concurrent ConsumeTraces calls and the wall-clock ticker share state
// under one lock; run with -race. Every span must be counted exactly once.
func TestConcurrentConsumersAndTicker(t *testing.T) {
	cfg := testConfig()
	cfg.Interval = 10 * time.Millisecond
	cfg.Window = 50 * time.Millisecond
	cfg.AllowedLateness = 0
	sink := new(consumertest.MetricsSink)
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c, err := newConnector(connectortest.NewNopSettings(metadata.Type), *cfg, sink, clock)
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background(), componenttest.NewNopHost()))

	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				mu.Lock()
				now = now.Add(time.Millisecond)
				end := now.Sub(t0)
				mu.Unlock()
				assert.NoError(t, c.ConsumeTraces(context.Background(), traces(at(canaryCall, end))))
			}
		}()
	}
	wg.Wait()
	// Stop the ticker first, so no older emission can land after the last.
	require.NoError(t, c.Shutdown(context.Background()))
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	require.NoError(t, c.advance(context.Background(), false))

	// Cumulative: the last emission holds every span.
	all := sink.AllMetrics()
	require.NotEmpty(t, all)
	assert.Equal(t, 200.0, points(all[len(all)-1], metricCalls)[callsKey].value)
}
