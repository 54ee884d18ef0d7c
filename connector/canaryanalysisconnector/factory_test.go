package canaryanalysisconnector

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector/internal/metadata"
)

func TestFactoryClock(t *testing.T) {
	for _, wall := range []bool{true, false} {
		cfg := createDefaultConfig().(*Config)
		cfg.UseWallClock = wall
		got, err := NewFactory().CreateTracesToMetrics(context.Background(), connectortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
		require.NoError(t, err)
		c := got.(*canaryConnector)
		assert.Equal(t, wall, c.live)
		assert.Equal(t, wall, c.clock.Live())
	}
}
