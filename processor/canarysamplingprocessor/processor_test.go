package canarysamplingprocessor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/internal/stage"
)

const (
	second = int64(1_000_000_000)
	wait   = 10 * second
	// Randomness values around the thresholds of the default percentages.
	keepsAtTenPercent = 1<<56 - 1 // the highest randomness: kept at any p > 0
	dropsAtTenPercent = 0         // the lowest: kept only at p = 1
	thTenPercent      = "e666"    // 10% at the default precision
	thHundredPercent  = "0"
)

func thOf(s ptrace.Span) string {
	return s.TraceState().AsRaw()
}

func TestDecidesAfterDecisionWaitNotBefore(t *testing.T) {
	p := newTestSampler(t, testConfig())
	id := traceID(1, keepsAtTenPercent)
	p.consume(t, tracesOf(spanSpec{trace: id, id: 1, resStage: "stable"}))
	p.advance(wait - 1)
	assert.Zero(t, p.sink.SpanCount(), "decided before decision_wait")
	p.advance(1)
	require.Equal(t, 1, p.sink.SpanCount())
	assert.Equal(t, "ot=th:"+thTenPercent, thOf(p.keptSpans()[spanID(1)]))
}

func TestCanaryTracesKeptAtCanaryPercentage(t *testing.T) {
	p := newTestSampler(t, testConfig())
	low := uint64(dropsAtTenPercent)
	p.consume(t, tracesOf(
		// Canary by span attribute (baggage) on a stable service.
		spanSpec{trace: traceID(1, low), id: 1, resStage: "stable", spanStage: "canary"},
		spanSpec{trace: traceID(1, low), id: 2, parent: 1, resStage: "stable"},
		// Canary by resource.
		spanSpec{trace: traceID(2, low), id: 3, resStage: "canary"},
		// A release-qualified value counts as canary.
		spanSpec{trace: traceID(3, low), id: 4, spanStage: "checkout@1.4.0"},
		// Stable, and no stage at all: sampled at 10%, dropped at this randomness.
		spanSpec{trace: traceID(4, low), id: 5, resStage: "stable"},
		spanSpec{trace: traceID(5, low), id: 6},
	))
	p.advance(wait)
	kept := p.keptSpans()
	assert.Len(t, kept, 4)
	for _, id := range []uint64{1, 2, 3, 4} {
		assert.Equal(t, "ot=th:"+thHundredPercent, thOf(kept[spanID(id)]), "span %d", id)
	}
}

func TestErrorAndSlowTracesKeptWithUpstreamThreshold(t *testing.T) {
	cfg := testConfig()
	cfg.StablePercentage = 0
	cfg.KeepSlowerThan = 2 * 1_000_000_000 // 2s
	p := newTestSampler(t, cfg)
	p.consume(t, tracesOf(
		spanSpec{trace: traceID(1, 5), id: 1, resStage: "stable"},
		spanSpec{trace: traceID(1, 5), id: 2, parent: 1, resStage: "stable", err: true},
		spanSpec{trace: traceID(2, 5), id: 3, resStage: "stable", duration: 2 * second},
		spanSpec{trace: traceID(3, 5), id: 4, resStage: "stable", duration: 2*second - 1},
		// Upstream kept this trace with p = 0.5: the error keep is p = 1
		// within this stage, so th stays 8.
		spanSpec{trace: traceID(4, 1<<55), id: 5, resStage: "stable", err: true, traceState: "ot=th:8"},
	))
	p.advance(wait)
	kept := p.keptSpans()
	assert.Len(t, kept, 4)
	assert.Equal(t, "ot=th:0", thOf(kept[spanID(1)]))
	assert.Equal(t, "ot=th:0", thOf(kept[spanID(2)]))
	assert.Equal(t, "ot=th:0", thOf(kept[spanID(3)]))
	assert.Equal(t, "ot=th:8", thOf(kept[spanID(5)]))
}

func TestThresholdComposesWithUpstreamAndIsNeverLowered(t *testing.T) {
	cfg := testConfig()
	cfg.StablePercentage = 50
	p := newTestSampler(t, cfg)
	p.consume(t, tracesOf(
		// Upstream p = 0.5 (th 8) on one span, none on the other: the trace's
		// upstream th is the highest, and 50% of it gives th c (p = 0.25).
		spanSpec{trace: traceID(1, 3<<54), id: 1, resStage: "stable", traceState: "ot=th:8"},
		spanSpec{trace: traceID(1, 3<<54), id: 2, parent: 1, resStage: "stable"},
		// Vendor entries survive; the ot entry moves to the front.
		spanSpec{trace: traceID(1, 3<<54), id: 3, parent: 1, resStage: "stable", traceState: "vendor=a,ot=th:8;rv:c0000000000000"},
		// rv, not the trace ID, is the randomness: 0xbf… < 0xc… drops it.
		spanSpec{trace: traceID(2, 1<<56-1), id: 4, resStage: "stable", traceState: "ot=th:8;rv:bfffffffffffff"},
		// A malformed tracestate is replaced.
		spanSpec{trace: traceID(3, 1<<56-1), id: 5, resStage: "stable", traceState: "not a tracestate"},
	))
	p.advance(wait)
	kept := p.keptSpans()
	assert.Len(t, kept, 4)
	assert.Equal(t, "ot=th:c", thOf(kept[spanID(1)]))
	assert.Equal(t, "ot=th:c", thOf(kept[spanID(2)]))
	assert.Equal(t, "ot=th:c;rv:c0000000000000,vendor=a", thOf(kept[spanID(3)]))
	assert.Equal(t, "ot=th:8", thOf(kept[spanID(5)]))
}

func TestLateSpanKeepsItsOwnHigherThreshold(t *testing.T) {
	cfg := testConfig()
	cfg.StablePercentage = 100
	p := newTestSampler(t, cfg)
	id := traceID(1, 1<<56-1)
	p.consume(t, tracesOf(spanSpec{trace: id, id: 1, resStage: "stable"}))
	p.advance(wait)
	// Reached us through a p = 0.25 upstream; the trace was kept with p = 1.
	p.consume(t, tracesOf(spanSpec{trace: id, id: 2, resStage: "stable", traceState: "ot=th:c"}))
	kept := p.keptSpans()
	assert.Equal(t, "ot=th:0", thOf(kept[spanID(1)]))
	assert.Equal(t, "ot=th:c", thOf(kept[spanID(2)]))
}

func TestSameConfigSameProbabilisticDecisions(t *testing.T) {
	var kept [2]map[pcommon.SpanID]ptrace.Span
	for i := range kept {
		p := newTestSampler(t, testConfig())
		generate(7, 2000, 3, 3, func(td ptrace.Traces) { p.consume(t, td) })
		p.advance(wait)
		kept[i] = p.keptSpans()
	}
	require.NotEmpty(t, kept[0])
	assert.Equal(t, len(kept[0]), len(kept[1]))
	for id, s := range kept[0] {
		other, ok := kept[1][id]
		require.True(t, ok, "span %v kept by one instance only", id)
		assert.Equal(t, thOf(s), thOf(other))
	}
}

func TestLateSpansFollowTheCachedDecision(t *testing.T) {
	cfg := testConfig()
	cfg.StablePercentage = 50
	p := newTestSampler(t, cfg)
	keptID, droppedID := traceID(1, 1<<56-1), traceID(2, 0)
	p.consume(t, tracesOf(
		spanSpec{trace: keptID, id: 1, resStage: "stable"},
		spanSpec{trace: droppedID, id: 2, resStage: "stable"},
	))
	p.advance(wait)
	require.Equal(t, 1, p.sink.SpanCount())

	p.consume(t, tracesOf(
		spanSpec{trace: keptID, id: 3, parent: 1, resStage: "stable"},
		spanSpec{trace: droppedID, id: 4, parent: 2, resStage: "stable", err: true},
	))
	kept := p.keptSpans()
	assert.Len(t, kept, 2, "the late span of the kept trace is forwarded at once")
	assert.Equal(t, "ot=th:8", thOf(kept[spanID(3)]))
	p.advance(wait)
	assert.Len(t, p.keptSpans(), 2, "the dropped trace's late error span is not buffered")
	assertLateSpans(t, p, map[string]int64{"kept": 1, "dropped": 1})
}

func TestLateSpanMissIsBufferedAgainAndCounted(t *testing.T) {
	cfg := testConfig()
	cfg.StablePercentage = 100
	cfg.DecisionCache = DecisionCacheConfig{Kept: 1, Dropped: 1}
	p := newTestSampler(t, cfg)
	first, second := traceID(1, 7), traceID(2, 7)
	p.consume(t, tracesOf(spanSpec{trace: first, id: 1, resStage: "stable"}))
	p.advance(wait)
	p.consume(t, tracesOf(spanSpec{trace: second, id: 2, resStage: "stable"}))
	p.advance(wait) // evicts first's decision from the one-entry cache
	p.consume(t, tracesOf(
		spanSpec{trace: first, id: 3, parent: 1, resStage: "stable"},
		spanSpec{trace: first, id: 4, parent: 1, resStage: "stable"},
	))
	assert.Equal(t, 2, p.sink.SpanCount(), "a miss is buffered, not forwarded")
	p.advance(wait)
	assert.Equal(t, 4, p.sink.SpanCount(), "and decided again")
	assertLateSpans(t, p, map[string]int64{"miss": 2})
}

func TestMaxTracesDecidesTheOldestEarly(t *testing.T) {
	cfg := testConfig()
	cfg.MaxTraces = 2
	cfg.StablePercentage = 100
	p := newTestSampler(t, cfg)
	p.consume(t, tracesOf(spanSpec{trace: traceID(1, 1), id: 1, resStage: "stable"}))
	p.now += second
	p.consume(t, tracesOf(spanSpec{trace: traceID(2, 1), id: 2, resStage: "stable"}))
	p.now += second
	p.consume(t, tracesOf(spanSpec{trace: traceID(3, 1), id: 3, resStage: "stable"}))
	kept := p.keptSpans()
	require.Len(t, kept, 1)
	assert.Contains(t, kept, spanID(1), "the oldest trace is decided first")
	assertEarlyDecisions(t, p, map[string]int64{"max_traces": 1})
	assertTracesHeld(t, p, 2)
}

func TestMaxSpansPerTraceDecidesTheTraceAndFollowsItsDecision(t *testing.T) {
	cfg := testConfig()
	cfg.MaxSpansPerTrace = 2
	cfg.StablePercentage = 100
	p := newTestSampler(t, cfg)
	id := traceID(1, 1)
	p.consume(t, tracesOf(
		spanSpec{trace: id, id: 1, resStage: "stable"},
		spanSpec{trace: id, id: 2, parent: 1, resStage: "stable"},
		spanSpec{trace: id, id: 3, parent: 1, resStage: "stable"},
	))
	assert.Equal(t, 3, p.sink.SpanCount(), "decided at the second span; the third followed")
	assertEarlyDecisions(t, p, map[string]int64{"max_spans_per_trace": 1})
	assertLateSpans(t, p, map[string]int64{"kept": 1})
}

func TestDecideOnRoot(t *testing.T) {
	cfg := testConfig()
	cfg.DecideOnRoot = true
	cfg.StablePercentage = 100
	p := newTestSampler(t, cfg)
	id := traceID(1, 1)
	p.consume(t, tracesOf(spanSpec{trace: id, id: 2, parent: 1, resStage: "stable"}))
	assert.Zero(t, p.sink.SpanCount(), "no root yet")
	p.consume(t, tracesOf(
		spanSpec{trace: id, id: 1, resStage: "stable"},
		spanSpec{trace: id, id: 3, parent: 1, resStage: "stable"},
	))
	assert.Equal(t, 3, p.sink.SpanCount(), "decided when the root arrived, with the rest of its batch")
	_, err := p.tel.GetMetric("otelcol_processor_canary_sampling_late_spans")
	assert.Error(t, err, "no span was late")
}

func TestShutdownForwardsEveryBufferedTrace(t *testing.T) {
	cfg := testConfig()
	p := newTestSampler(t, cfg)
	require.NoError(t, p.Start(context.Background(), nil))
	p.consume(t, tracesOf(
		spanSpec{trace: traceID(1, keepsAtTenPercent), id: 1, resStage: "stable"},
		spanSpec{trace: traceID(2, dropsAtTenPercent), id: 2, resStage: "canary"},
		spanSpec{trace: traceID(3, dropsAtTenPercent), id: 3, resStage: "stable"},
	))
	require.NoError(t, p.Shutdown(context.Background()))
	require.NoError(t, p.Shutdown(context.Background()), "a second Shutdown is harmless")
	kept := p.keptSpans()
	assert.Len(t, kept, 2, "both kept traces, decided at shutdown")
	assert.Contains(t, kept, spanID(1))
	assert.Contains(t, kept, spanID(2))
}

func TestForwardsInRequestsOfBoundedSize(t *testing.T) {
	cfg := testConfig()
	cfg.StablePercentage = 100 // keep everything: the flush decides it all at once
	p := newTestSampler(t, cfg)
	require.NoError(t, p.Start(context.Background(), nil))
	const traces, spansPerTrace = 3000, 8 // 24,000 spans
	sent := generate(1, traces, 4, spansPerTrace, func(td ptrace.Traces) { p.consume(t, td) })
	require.NoError(t, p.Shutdown(context.Background()))

	requests := p.sink.AllTraces()
	require.Greater(t, len(requests), sent/maxForwardSpans, "the flush was split")
	got := 0
	for _, td := range requests {
		assert.LessOrEqual(t, td.SpanCount(), maxForwardSpans+spansPerTrace, "a request exceeds the bound by less than one trace")
		got += td.SpanCount()
	}
	assert.Equal(t, sent, got, "every span forwarded exactly once")
}

func TestAnnotateWritesTheTraceStageOnSpansWithout(t *testing.T) {
	cfg := testConfig()
	cfg.Stage.Annotate = true
	cfg.StablePercentage = 100
	p := newTestSampler(t, cfg)
	p.consume(t, tracesOf(
		spanSpec{trace: traceID(1, 1), id: 1, resStage: "canary"},
		spanSpec{trace: traceID(1, 1), id: 2, parent: 1, resStage: "stable"},
		spanSpec{trace: traceID(1, 1), id: 3, parent: 1, resStage: "stable", spanStage: "checkout@1.4.0"},
		spanSpec{trace: traceID(2, 1), id: 4, resStage: "stable"},
		spanSpec{trace: traceID(3, 1), id: 5},
		spanSpec{trace: traceID(4, 1), id: 7, resStage: "canary"},
		spanSpec{trace: traceID(4, 1), id: 8, parent: 7},
	))
	odd := tracesOf(spanSpec{trace: traceID(1, 1), id: 6, parent: 1, resStage: "stable"})
	odd.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().PutInt(stage.DefaultAttribute, 7)
	p.consume(t, odd)
	p.advance(wait)
	kept := p.keptSpans()
	assert.Equal(t, int64(7), func() int64 { v, _ := kept[spanID(6)].Attributes().Get(stage.DefaultAttribute); return v.Int() }(),
		"a stage attribute of another type is left alone too")
	stageOf := func(id uint64) string {
		v, ok := kept[spanID(id)].Attributes().Get(stage.DefaultAttribute)
		if !ok {
			return "<none>"
		}
		return v.Str()
	}
	assert.Equal(t, "checkout@1.4.0", stageOf(1), "the release-qualified value names the release")
	assert.Equal(t, "checkout@1.4.0", stageOf(2))
	assert.Equal(t, "checkout@1.4.0", stageOf(3), "a span's own stage is left alone")
	assert.Equal(t, "stable", stageOf(4))
	assert.Equal(t, "<none>", stageOf(5), "a trace in no arm is not annotated")
	assert.Equal(t, "canary", stageOf(8))
}

func TestKeptSpansAreGroupedByResourceAndScope(t *testing.T) {
	cfg := testConfig()
	cfg.StablePercentage = 100
	p := newTestSampler(t, cfg)
	// Three spans of two traces, each in its own ResourceSpans, all with
	// the same resource and scope.
	p.consume(t, tracesOf(
		spanSpec{trace: traceID(1, 1), id: 1, resStage: "stable"},
		spanSpec{trace: traceID(2, 1), id: 2, resStage: "stable"},
		spanSpec{trace: traceID(1, 1), id: 3, parent: 1, resStage: "stable"},
	))
	p.advance(wait)
	require.Len(t, p.sink.AllTraces(), 1)
	td := p.sink.AllTraces()[0]
	require.Equal(t, 1, td.ResourceSpans().Len())
	rs := td.ResourceSpans().At(0)
	assert.Equal(t, map[string]any{"service.name": "svc", stage.DefaultAttribute: "stable"}, rs.Resource().Attributes().AsRaw())
	require.Equal(t, 1, rs.ScopeSpans().Len())
	assert.Equal(t, "test", rs.ScopeSpans().At(0).Scope().Name())
	assert.Equal(t, 3, rs.ScopeSpans().At(0).Spans().Len())
}

func TestEmptyAndMalformedInputIsHarmless(t *testing.T) {
	p := newTestSampler(t, testConfig())
	td := ptrace.NewTraces()
	td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	p.consume(t, td)
	p.consume(t, ptrace.NewTraces())
	// A span with no IDs at all is buffered under the zero trace ID.
	bare := ptrace.NewTraces()
	bare.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	p.consume(t, bare)
	p.advance(wait)
	assert.Equal(t, 0, p.sink.SpanCount(), "zero randomness, stable 10%: dropped")
	assertTracesHeld(t, p, 0)
}
