package canaryverdictexporter

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/canarytrace/canarytrace/exporter/canaryverdictexporter/internal/metadatatest"
	"github.com/canarytrace/canarytrace/internal/evidence"
)

// TestFleetTelemetry: two instances; b stops, so step 11 is judged after
// the grace period; b's late evidence for step 11 is then counted as late.
func TestFleetTelemetry(t *testing.T) {
	f, tel := newTelemetryFleet(t, createDefaultConfig().(*Config))

	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 3))
	a, b := evidence.New(), evidence.New()
	observe := func(ev *evidence.Evidence, s evidence.Step) {
		for _, o := range trafficStep(rng, s, 20, 0.01) {
			ev.Observe(o)
		}
	}
	now := t0
	observe(a, 10)
	observe(b, 10)
	f.consume(ctx, export("a", a, 10), now)
	f.consume(ctx, export("b", b, 10), now)
	now = now.Add(defaultGracePeriod)
	require.Len(t, f.tick(now), 1, "step 10, after learning the fleet")
	observe(a, 11)
	require.Empty(t, f.consume(ctx, export("a", a, 11), now))
	require.Len(t, f.tick(now.Add(defaultGracePeriod)), 1, "step 11 without b")
	observe(b, 11)
	late := b.Len()
	f.consume(ctx, export("b", b, 11), now.Add(defaultGracePeriod))

	metadatatest.AssertEqualCanaryVerdictInstancesSeen(t, tel, []metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualCanaryVerdictStepsJudged(t, tel, []metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
	// Step 10 was reached by both once the fleet was learned; only step 11
	// was judged without every instance.
	metadatatest.AssertEqualCanaryVerdictGraceJudgements(t, tel, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualCanaryVerdictPointsRejected(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("reason", "late_step")), Value: int64(late)},
	}, metricdatatest.IgnoreTimestamp())
}

// TestWindowEstimateFollowsRecentSteps: the canary's error rate jumps from
// 1% to 30% for the last 6 steps; the 1-minute window sees the jump, the
// run estimate is diluted by the earlier 40 steps.
func TestWindowEstimateFollowsRecentSteps(t *testing.T) {
	f := newTestFleet(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 5))
	ev := evidence.New()
	now := t0
	var last []judgedStep
	for s := evidence.Step(100); s < 146; s++ {
		rate := 0.01
		if s >= 140 {
			rate = 0.30
		}
		for _, o := range trafficStep(rng, s, 300, rate) {
			ev.Observe(o)
		}
		if got := f.consume(ctx, export("a", ev, s), now); len(got) > 0 {
			last = got
		}
		now = now.Add(defaultGracePeriod) // each step passes the learning period
	}
	require.NotEmpty(t, last)
	run, ok := findCheck(last[len(last)-1].report.Checks, checkKey{Service: "checkout", Operation: "POST /pay", Check: "error_rate"})
	require.True(t, ok)
	key := checkKey{Service: "checkout", Operation: "POST /pay", Check: "error_rate"}
	recent, ok := f.windowEstimate("checkout", "", key, "canary", time.Minute)
	require.True(t, ok)
	assert.Greater(t, recent, 0.2, "the last minute is at 30%")
	assert.Less(t, float64(run.Canary), 0.1, "the run is mostly at 1%")
	stable, ok := f.windowEstimate("checkout", "", key, "stable", time.Minute)
	require.True(t, ok)
	assert.Less(t, stable, 0.05)

	_, ok = f.windowEstimate("checkout", "", key, "canary", maxWindow+time.Second)
	assert.False(t, ok, "longer than the evidence kept")
	_, ok = f.windowEstimate("checkout", "9.9", key, "canary", time.Minute)
	assert.False(t, ok, "another version")
	_, ok = f.windowEstimate("cart", "", key, "canary", time.Minute)
	assert.False(t, ok, "unknown service")
}
