package canaryanalysisconnector

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector/internal/metadata"
)

// A live connector reads the wall clock a fixed number of times per
// resource of a batch, however many spans the resource holds.
func TestWallClockReadOncePerResource(t *testing.T) {
	reads := func(spans int) int {
		n := 0
		now := func() time.Time { n++; return t0.Add(time.Minute) }
		c, err := newConnector(connectortest.NewNopSettings(metadata.Type), *testConfig(), consumertest.NewNop(), now)
		require.NoError(t, err)
		td := traces(span{service: "checkout", version: "2", resStage: "canary", name: "GET /", end: time.Second})
		ss := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		for range spans - 1 {
			ss.At(0).CopyTo(ss.AppendEmpty())
		}
		require.NoError(t, c.ConsumeTraces(context.Background(), td))
		return n
	}
	one, many := reads(1), reads(500)
	assert.Positive(t, one)
	assert.Equal(t, one, many)
}
