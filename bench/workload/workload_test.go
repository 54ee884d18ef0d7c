package workload

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestGenerateMatchesTruthAndBatchLimits(t *testing.T) {
	cfg := DefaultConfig(4000)
	var seen Truth
	traces := map[[16]byte]Kind{}
	batches := 0
	truth := Generate(cfg, ViaOTLP(func(td ptrace.Traces) {
		batches++
		require.Equal(t, 1, td.ResourceSpans().Len(), "one resource per pod batch")
		require.LessOrEqual(t, td.SpanCount(), cfg.BatchSize)
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, s := range ss.Spans().All() {
					k, ok := KindOf(s.TraceID())
					require.True(t, ok)
					seen.Spans[k]++
					traces[s.TraceID()] = k
					st := stageOf(rs.Resource().Attributes(), s)
					seen.Calls[st]++
					if s.Status().Code() == ptrace.StatusCodeError {
						seen.Errors[st]++
					}
					seen.LastEnd = max(seen.LastEnd, int64(s.EndTimestamp()))
				}
			}
		}
	}))
	for _, k := range traces {
		seen.Traces[k]++
	}
	assert.Equal(t, truth, seen)
	assert.Equal(t, cfg.Traces, truth.TotalTraces())
	perTrace := float64(truth.TotalSpans()) / float64(cfg.Traces)
	assert.True(t, perTrace >= 11 && perTrace <= 15, "spans per trace %v", perTrace)
	assert.Greater(t, batches, truth.TotalSpans()/cfg.BatchSize, "spans spread over many batches")
}

// stageOf reads the stage as span-metrics connectors do: the span's
// attribute, else the resource's.
func stageOf(res pcommon.Map, s ptrace.Span) Stage {
	v, ok := s.Attributes().Get("deployment.stage")
	if !ok {
		v, ok = res.Get("deployment.stage")
	}
	if ok && v.Str() == "canary" {
		return CanaryStage
	}
	return StableStage
}

// The first request starts at Config.Start; the last span ends within a
// request's length (under 100 ms) of SpanTime later.
func TestGenerateFollowsStart(t *testing.T) {
	cfg := DefaultConfig(1000)
	cfg.Start = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	first := int64(math.MaxInt64)
	truth := Generate(cfg, func(td ptrace.Traces) {
		for _, rs := range td.ResourceSpans().All() {
			for _, s := range rs.ScopeSpans().At(0).Spans().All() {
				first = min(first, int64(s.StartTimestamp()))
			}
		}
	})
	assert.Equal(t, cfg.Start.UnixNano(), first)
	end := cfg.Start.Add(cfg.SpanTime()).UnixNano()
	assert.GreaterOrEqual(t, truth.LastEnd, end-int64(requestEvery))
	assert.Less(t, truth.LastEnd, end+int64(100*time.Millisecond))
}

// Seed 1, 200,000 traces: the kind shares are within 5 binomial standard
// deviations of 5% canary and 0.5%·95% error-only.
func TestGenerateShares(t *testing.T) {
	cfg := DefaultConfig(200_000)
	truth := Generate(cfg, func(ptrace.Traces) {})
	n := float64(cfg.Traces)
	within := func(got int, p float64) {
		sd := 5 * math.Sqrt(n*p*(1-p))
		assert.InDelta(t, n*p, float64(got), sd, "p=%v", p)
	}
	within(truth.Traces[Canary], cfg.CanaryShare)
	within(truth.Traces[Error], cfg.ErrorShare*(1-cfg.CanaryShare))
}

// The canary's own spans carry the stage on the resource, its downstream
// spans as a span attribute; frontend spans carry neither.
func TestCanaryStageOnResourceAndBaggage(t *testing.T) {
	cfg := DefaultConfig(2000)
	cfg.CanaryShare = 1
	Generate(cfg, func(td ptrace.Traces) {
		rs := td.ResourceSpans().At(0)
		name, _ := rs.Resource().Attributes().Get("service.name")
		stage, _ := rs.Resource().Attributes().Get("deployment.stage")
		for _, s := range rs.ScopeSpans().At(0).Spans().All() {
			attr, has := s.Attributes().Get("deployment.stage")
			switch name.Str() {
			case "checkout":
				assert.Equal(t, "canary", stage.Str())
				assert.False(t, has)
			case "frontend":
				assert.Equal(t, "stable", stage.Str())
				assert.False(t, has)
			default:
				assert.Equal(t, "stable", stage.Str())
				require.True(t, has)
				assert.Equal(t, "canary", attr.Str())
			}
		}
	})
}
