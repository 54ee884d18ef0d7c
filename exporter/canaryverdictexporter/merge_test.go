package canaryverdictexporter

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/canarytrace/canarytrace/exporter/canaryverdictexporter/internal/metadata"
	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/evidencemetrics"
	"github.com/canarytrace/canarytrace/internal/stage"
)

const testInterval = 10 * time.Second

// trafficStep draws one step of traces for release checkout@2.0: 10% of
// traces on the canary, each trace 1-3 spans over two own operations and
// one downstream operation; the canary's POST /pay fails errRate of the
// time (stable 1%), and stable traces are sampled at 10% (th of p=0.1).
func trafficStep(rng *rand.Rand, step evidence.Step, traces int, canaryErr float64) []evidence.Observation {
	rel := evidence.Release{Service: "checkout", Version: "2.0"}
	ops := []evidence.Operation{
		{Service: "checkout", Name: "GET /cart", Kind: "server"},
		{Service: "checkout", Name: "POST /pay", Kind: "server"},
		{Service: "inventory", Name: "SELECT stock", Kind: "client"},
	}
	var out []evidence.Observation
	for range traces {
		var id [16]byte
		for i := range id {
			id[i] = byte(rng.UintN(256))
		}
		arm, th, errRate := stage.Stable, evidence.ThresholdOf(0.1), 0.01
		if rng.Float64() < 0.1 {
			arm, th, errRate = stage.Canary, 0, canaryErr
		}
		for i := range 1 + rng.IntN(3) {
			op := ops[i%len(ops)]
			isErr := op.Name == "POST /pay" && rng.Float64() < errRate
			d := time.Duration(20+rng.IntN(40)) * time.Millisecond
			out = append(out, evidence.Observation{Release: rel, Operation: op, Arm: arm, Step: step,
				Threshold: th, TraceID: id, Error: isErr, Duration: d})
		}
	}
	return out
}

// export encodes one instance's evidence of a step, as its connector would.
func export(id string, ev *evidence.Evidence, step evidence.Step) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr(evidencemetrics.AttrInstance, id)
	evidencemetrics.Encode(ev, evidencemetrics.Export{Interval: testInterval, Watermark: step, HasWatermark: true}, rm.ScopeMetrics().AppendEmpty())
	ev.Reset()
	return md
}

func newTestFleet(t testing.TB) *evidenceFleet {
	f, _ := newTelemetryFleet(t, createDefaultConfig().(*Config))
	return f
}

// newTelemetryFleet returns a fleet of cfg and the telemetry it records.
func newTelemetryFleet(t testing.TB, cfg *Config) (*evidenceFleet, *componenttest.Telemetry) {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	tb, err := metadata.NewTelemetryBuilder(tel.NewTelemetrySettings())
	require.NoError(t, err)
	f, err := newFleet(cfg, tb)
	require.NoError(t, err)
	return f, tel
}

// TestInstancesSplittingTracesReachTheVerdictOfOne: N instances that each
// see 1/N of the traces (load-balanced by trace ID) give, merged, the same
// report at every step as one instance that sees every trace. Seeds 1-3,
// N = 2, 3 and 5, 60 steps with a 4x canary error regression on POST /pay.
func TestInstancesSplittingTracesReachTheVerdictOfOne(t *testing.T) {
	for _, n := range []int{2, 3, 5} {
		for seed := uint64(1); seed <= 3; seed++ {
			solo, fleet := newTestFleet(t), newTestFleet(t)
			one := evidence.New()
			many := make([]*evidence.Evidence, n)
			for i := range many {
				many[i] = evidence.New()
			}
			rng := rand.New(rand.NewPCG(seed, 42))
			ctx := context.Background()
			now := t0
			var soloSteps, fleetSteps []judgedStep
			for s := evidence.Step(1000); s < 1060; s++ {
				for _, o := range trafficStep(rng, s, 400, 0.04) {
					one.Observe(o)
					many[int(o.TraceID[0])%n].Observe(o)
				}
				now = now.Add(testInterval)
				soloSteps = append(soloSteps, solo.consume(ctx, export("solo", one, s), now)...)
				// Instances report in a different order at each step.
				for _, i := range rng.Perm(n) {
					fleetSteps = append(fleetSteps, fleet.consume(ctx, export(string(rune('a'+i)), many[i], s), now)...)
				}
			}
			require.Len(t, soloSteps, 60)
			require.Len(t, fleetSteps, len(soloSteps))
			for i := range soloSteps {
				sameStep(t, soloSteps[i], fleetSteps[i], "n=%d seed=%d step %d", n, seed, i)
			}
			last := soloSteps[len(soloSteps)-1].report
			assert.Equal(t, verdictRollback, last.Verdict, "the scenario must reach a verdict, n=%d seed=%d", n, seed)
			assert.Equal(t, verdictInconclusive, soloSteps[0].report.Verdict)
		}
	}
}

// TestAStoppedInstanceDoesNotStallTheVerdict: with two instances, when one
// stops, steps are judged after the grace period from the other's evidence.
func TestAStoppedInstanceDoesNotStallTheVerdict(t *testing.T) {
	f := newTestFleet(t)
	a, b := evidence.New(), evidence.New()
	rng := rand.New(rand.NewPCG(7, 7))
	ctx := context.Background()
	now := t0
	f.consume(ctx, export("a", a, 9), now)
	f.consume(ctx, export("b", b, 9), now)
	now = now.Add(defaultGracePeriod) // the fleet is learned
	require.Empty(t, f.tick(now), "step 9 had no spans, so no release yet")
	for _, o := range trafficStep(rng, 10, 50, 0.01) {
		a.Observe(o)
		b.Observe(o)
	}
	require.Len(t, f.consume(ctx, export("a", a, 10), now), 0, "b has not reported step 10")
	require.Len(t, f.consume(ctx, export("b", b, 10), now), 1)
	// b stops.
	now = now.Add(testInterval)
	require.Empty(t, f.consume(ctx, export("a", a, 11), now))
	assert.Empty(t, f.tick(now.Add(defaultGracePeriod-time.Second)))
	judged := f.tick(now.Add(defaultGracePeriod))
	require.Len(t, judged, 1)
	assert.Equal(t, time.Unix(0, 12*int64(testInterval)).UTC(), judged[0].at, "step 11 ends at 12 intervals")
}

// TestCellsOfStepsStillOpenWaitForTheWatermark: a connector exports, with
// its watermark, cells of steps it has not closed yet; the exporter judges
// only the steps the watermark has passed, so the rest of an open step's
// evidence, sent later, is judged with it rather than rejected as late.
func TestCellsOfStepsStillOpenWaitForTheWatermark(t *testing.T) {
	f, tel := newTelemetryFleet(t, createDefaultConfig().(*Config))
	ev := evidence.New()
	rng := rand.New(rand.NewPCG(3, 3))
	ctx := context.Background()
	now := t0
	f.consume(ctx, export("a", ev, 9), now)
	now = now.Add(defaultGracePeriod) // the fleet is learned
	for _, step := range []evidence.Step{10, 11} {
		for _, o := range trafficStep(rng, step, 50, 0.01) {
			ev.Observe(o)
		}
	}
	judged := f.consume(ctx, export("a", ev, 10), now)
	require.NotEmpty(t, judged)
	assert.Equal(t, time.Unix(0, 11*int64(testInterval)).UTC(), judged[len(judged)-1].at,
		"steps 9 and 10 judged; step 11 is still open at the instance")

	for _, o := range trafficStep(rng, 11, 50, 0.01) {
		ev.Observe(o)
	}
	judged = f.consume(ctx, export("a", ev, 11), now)
	require.Len(t, judged, 1)
	assert.Equal(t, time.Unix(0, 12*int64(testInterval)).UTC(), judged[0].at)
	_, err := tel.GetMetric("otelcol_canary_verdict_points_rejected")
	assert.Error(t, err, "nothing rejected: no cell of step 11 arrived after it was judged")
}

func TestMismatchedIntervalIsRejected(t *testing.T) {
	f := newTestFleet(t)
	ev := evidence.New()
	for _, o := range trafficStep(rand.New(rand.NewPCG(1, 1)), 10, 20, 0.01) {
		ev.Observe(o)
	}
	f.consume(context.Background(), export("a", ev, 10), t0)
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr(evidencemetrics.AttrInstance, "b")
	for _, o := range trafficStep(rand.New(rand.NewPCG(1, 1)), 5, 20, 0.01) {
		ev.Observe(o)
	}
	evidencemetrics.Encode(ev, evidencemetrics.Export{Interval: 2 * testInterval, Watermark: 5, HasWatermark: true}, rm.ScopeMetrics().AppendEmpty())
	f.consume(context.Background(), md, t0)
	_, known := f.clock.instances["b"]
	assert.False(t, known, "an instance whose steps do not align is not waited for")
}

// sameStep compares two judged steps field by field (%v prints NaN as NaN,
// so "not evaluated yet" compares equal), naming the first check that differs.
func sameStep(t *testing.T, want, got judgedStep, msg string, args ...any) {
	t.Helper()
	w, g := want.report, got.report
	require.Equal(t, want.at, got.at, msg, args)
	require.Equal(t, fmt.Sprintf("%v %v %v %v", w.Run, w.Verdict, w.Score, w.Reason), fmt.Sprintf("%v %v %v %v", g.Run, g.Verdict, g.Score, g.Reason), fmt.Sprintf(msg, args...))
	require.Len(t, g.Checks, len(w.Checks))
	for i := range w.Checks {
		require.Equal(t, fmt.Sprintf("%v", w.Checks[i]), fmt.Sprintf("%v", g.Checks[i]), fmt.Sprintf(msg, args...))
	}
	require.Equal(t, fmt.Sprintf("%v", want.point), fmt.Sprintf("%v", got.point), fmt.Sprintf(msg, args...))
}

// TestAnIdleRunEnds: checkout's canary gets no spans after step 20 while
// search goes on; one run_idle (1m = 6 steps) later checkout's run ends
// with its last verdict, and it is not judged again.
func TestAnIdleRunEnds(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.RunIdle = time.Minute
	f, _ := newTelemetryFleet(t, cfg)
	b := newBoard(5, 0, nil)
	rng := rand.New(rand.NewPCG(9, 9))
	ev := evidence.New()
	now := t0
	var ends []judgedStep
	for s := evidence.Step(10); s < 40; s++ {
		if s <= 20 {
			for _, o := range trafficStep(rng, s, 50, 0.01) {
				ev.Observe(o)
			}
		}
		other := evidence.Release{Service: "search", Version: "1"}
		ev.Observe(evidence.Observation{Release: other, Operation: evidence.Operation{Service: "search", Name: "q"}, Arm: stage.Canary, Step: s, TraceID: [16]byte{byte(s)}, Duration: time.Millisecond})
		for _, js := range f.consume(context.Background(), export("a", ev, s), now) {
			b.record(js.report, js.at, js.point)
			if js.ended {
				b.endRun(js.report.Service, js.report.Run, js.at)
				ends = append(ends, js)
			}
		}
		now = now.Add(defaultGracePeriod)
	}
	require.Len(t, ends, 1)
	assert.Equal(t, "checkout", ends[0].report.Service)
	assert.Equal(t, time.Unix(0, 27*int64(testInterval)).UTC(), ends[0].at, "step 26 is 6 steps after the last span")
	runs := b.runs("checkout")
	require.Len(t, runs, 1)
	require.NotNil(t, runs[0].End)
	assert.Equal(t, ends[0].at, *runs[0].End)
	assert.Equal(t, ends[0].at, *runs[0].Last.Step, "not judged after its end")
	assert.Nil(t, b.runs("search")[0].End)
}

func TestResumeKeepsTheRunID(t *testing.T) {
	f := newTestFleet(t)
	require.NoError(t, f.resume("checkout", "2.0", "checkout@2.0@990"))
	require.Error(t, f.resume("checkout", "2.0", "nonsense"))
	require.Error(t, f.resume("checkout", "2.0", "cart@2.0@5"))
	require.Error(t, f.resume("checkout", "2.0", "checkout@2.0@x"))
	ev := evidence.New()
	for _, o := range trafficStep(rand.New(rand.NewPCG(1, 2)), 1000, 50, 0.01) {
		ev.Observe(o)
	}
	f.consume(context.Background(), export("a", ev, 1000), t0)
	got := f.tick(t0.Add(defaultGracePeriod))
	require.Len(t, got, 1)
	assert.Equal(t, "checkout@2.0@990", got[0].report.Run, "evidence after a restart continues the restored run")
}

// TestANewVersionSupersedesTheOld: once checkout 2.1 starts, 2.0 is no
// longer judged, and what old canary pods still send for it is left out.
func TestANewVersionSupersedesTheOld(t *testing.T) {
	f := newTestFleet(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(4, 4))
	ev := evidence.New()
	now := t0
	observe := func(s evidence.Step, version string) {
		for _, o := range trafficStep(rng, s, 30, 0.01) {
			o.Release.Version = version
			ev.Observe(o)
		}
	}
	var judged []judgedStep
	for s := evidence.Step(10); s < 20; s++ {
		observe(s, "2.0")
		if s >= 15 {
			observe(s, "2.1") // both versions' canaries run side by side
		}
		judged = append(judged, f.consume(ctx, export("a", ev, s), now)...)
		now = now.Add(defaultGracePeriod)
	}
	var versions []string
	for _, js := range judged {
		versions = append(versions, js.report.Version)
	}
	assert.Equal(t, []string{"2.0", "2.0", "2.0", "2.0", "2.0", "2.1", "2.1", "2.1", "2.1", "2.1"}, versions)
	for _, r := range f.merged.Runs() {
		assert.Equal(t, "2.1", r.Release.Version, "2.0 is gone from the merged evidence")
	}
}
