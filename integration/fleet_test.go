package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector"
	"github.com/canarytrace/canarytrace/internal/judge"
)

// spanStep appends one step of checkout traffic to per-instance traces:
// each trace goes, whole, to instance traceID[0] % n (what the
// load_balancing exporter's traceID routing does). 15% of traces are on
// the canary (checkout 2.0), whose POST /pay fails at canaryErr (stable 1%).
func spanStep(rng *rand.Rand, step int, traces int, canaryErr float64, out []ptrace.Traces) {
	start := time.Unix(0, int64(firstStep)*int64(interval)).Add(time.Duration(step) * interval)
	for range traces {
		var id [16]byte
		for i := range id {
			id[i] = byte(rng.UintN(256))
		}
		version, stg, errRate := "1.9", "stable", 0.01
		if rng.Float64() < 0.15 {
			version, stg, errRate = "2.0", "canary", canaryErr
		}
		td := out[int(id[0])%len(out)]
		rs := td.ResourceSpans().AppendEmpty()
		attrs := rs.Resource().Attributes()
		attrs.PutStr("service.name", "checkout")
		attrs.PutStr("service.version", version)
		attrs.PutStr("deployment.stage", stg)
		ss := rs.ScopeSpans().AppendEmpty()
		at := start.Add(time.Duration(rng.Int64N(int64(interval - 200*time.Millisecond))))
		for i, name := range []string{"GET /cart", "POST /pay"} {
			sp := ss.Spans().AppendEmpty()
			sp.SetTraceID(pcommon.TraceID(id))
			sp.SetSpanID(pcommon.SpanID{id[1], id[2], id[3], byte(i + 1)})
			sp.SetName(name)
			sp.SetKind(ptrace.SpanKindServer)
			d := time.Duration(20+rng.IntN(40)) * time.Millisecond
			sp.SetStartTimestamp(pcommon.NewTimestampFromTime(at))
			sp.SetEndTimestamp(pcommon.NewTimestampFromTime(at.Add(d)))
			if name == "POST /pay" && rng.Float64() < errRate {
				sp.Status().SetCode(ptrace.StatusCodeError)
			}
		}
	}
}

func replaySettings(instance string) connector.Settings {
	tel := componenttest.NewNopTelemetrySettings()
	tel.Resource = pcommon.NewResource()
	tel.Resource.Attributes().PutStr("service.instance.id", instance)
	return connector.Settings{ID: component.NewID(canaryanalysisconnector.NewFactory().Type()), TelemetrySettings: tel, BuildInfo: component.NewDefaultBuildInfo()}
}

// seen counts the metric batches a consumer passes on.
type seen struct {
	consumer.Metrics
	n int
}

func (s *seen) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	s.n++
	return s.Metrics.ConsumeMetrics(ctx, md)
}

type change struct {
	Time    time.Time
	Verdict string
}

// runFleet replays the same traffic through n connectors into one
// exporter and returns the exporter's history of checkout's run; with
// onVerdict it also records the connectors' own verdict changes.
func runFleet(t *testing.T, n int, seed uint64, steps int, onVerdict func(judge.ReleaseVerdict)) []change {
	t.Helper()
	l := startExporter(t, nil, nil)
	next := &seen{Metrics: l.exp}
	cfg := canaryanalysisconnector.NewFactory().CreateDefaultConfig().(*canaryanalysisconnector.Config)
	replays := make([]*canaryanalysisconnector.Replay, n)
	for i := range replays {
		r, err := canaryanalysisconnector.NewReplay(replaySettings(fmt.Sprintf("collector-%d", i)), cfg, next, onVerdict)
		require.NoError(t, err)
		replays[i] = r
		t.Cleanup(func() { _ = r.Shutdown(context.Background()) })
	}
	rng := rand.New(rand.NewPCG(seed, 3))
	learned := false
	for s := range steps {
		tds := make([]ptrace.Traces, n)
		for i := range tds {
			tds[i] = ptrace.NewTraces()
		}
		spanStep(rng, s, 400, 0.05, tds)
		for i, r := range replays {
			require.NoError(t, r.ConsumeTraces(context.Background(), tds[i]))
		}
		if !learned && next.n >= n {
			// Every instance has reported once: let the exporter learn the fleet.
			waitLearned()
			learned = true
		}
	}
	for _, r := range replays {
		require.NoError(t, r.Flush(context.Background()))
	}
	require.True(t, learned, "the connectors exported evidence")
	_, body := l.get(t, "/api/v1/releases/checkout/history")
	var h struct {
		Runs []struct {
			Run     string
			Changes []change
		}
	}
	require.NoError(t, json.Unmarshal(body, &h))
	require.Len(t, h.Runs, 1, string(body))
	return h.Runs[0].Changes
}

// TestFleetOfConnectorsReachesTheVerdictOfOne: n canary_analysis
// connectors, each seeing 1/n of the traces, merged by one exporter, reach
// at every step the verdict one connector reaches seeing every trace (its
// own judge). Seeds 1-2, n = 1, 2 and 4, 40 steps of 400 traces with a 5x
// canary error regression; the verdict path is compared change by change
// (a change list with its step times fixes the verdict at every step).
func TestFleetOfConnectorsReachesTheVerdictOfOne(t *testing.T) {
	const steps = 40
	for seed := uint64(1); seed <= 2; seed++ {
		var own []change
		var last string
		ownVerdicts := func(rv judge.ReleaseVerdict) {
			if rv.Release.Service != "checkout" {
				return
			}
			if v := rv.Verdict.Release(); v != last {
				own = append(own, change{Time: time.Unix(0, (int64(rv.Step)+1)*int64(interval)).UTC(), Verdict: v})
				last = v
			}
		}
		one := runFleet(t, 1, seed, steps, ownVerdicts)
		require.NotEmpty(t, own)
		assert.Equal(t, "rollback", own[len(own)-1].Verdict, "seed %d: the scenario reaches a verdict", seed)
		assert.Equal(t, own, one, "seed %d: the exporter fed by one connector judges as that connector", seed)
		for _, n := range []int{2, 4} {
			assert.Equal(t, own, runFleet(t, n, seed, steps, nil), "seed %d: %d connectors merged", seed, n)
		}
	}
}
