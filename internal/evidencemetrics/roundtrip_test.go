package evidencemetrics

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/stage"
)

const interval = 10 * time.Second

// randomEvidence observes n spans of a few releases, operations, strata,
// steps and traces, drawn from seed.
func randomEvidence(seed uint64, n int) *evidence.Evidence {
	rng := rand.New(rand.NewPCG(seed, 7))
	ev := evidence.New()
	releases := []evidence.Release{{Service: "checkout", Version: "1.4"}, {Service: "payment", Version: "7"}}
	ops := []evidence.Operation{
		{Service: "checkout", Name: "POST /cart", Kind: "SPAN_KIND_SERVER"},
		{Service: "inventory", Name: "db:SELECT", Kind: "SPAN_KIND_CLIENT"},
		{Service: "payment", Name: "charge", Kind: ""},
	}
	strata := []uint64{0, evidence.ThresholdOf(0.1), evidence.ThresholdOf(0.5)}
	base := evidence.Step(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC).UnixNano() / int64(interval))
	for i := 0; i < n; i++ {
		var trace [16]byte
		trace[15] = byte(rng.IntN(40)) // few traces, so spans cluster
		trace[0] = byte(seed)
		arm := stage.Canary
		if rng.IntN(3) > 0 {
			arm = stage.Stable
		}
		var d time.Duration
		if rng.IntN(20) > 0 {
			d = time.Duration(rng.ExpFloat64() * float64(50*time.Millisecond))
		}
		ev.Observe(evidence.Observation{
			Release:   releases[rng.IntN(len(releases))],
			Operation: ops[rng.IntN(len(ops))],
			Arm:       arm,
			Step:      base + evidence.Step(rng.IntN(5)),
			Threshold: strata[rng.IntN(len(strata))],
			TraceID:   trace,
			Error:     rng.IntN(10) == 0,
			Duration:  d,
		})
	}
	return ev
}

type cellRow struct {
	Key  evidence.CellKey
	Cell evidence.Cell
}

// flatten lists everything Evidence holds, in its deterministic order.
func flatten(ev *evidence.Evidence) (cells []cellRow, runs []evidence.Run, ex map[evidence.ExemplarKey][]evidence.Exemplar) {
	ev.Cells(func(k evidence.CellKey, c *evidence.Cell) { cells = append(cells, cellRow{k, c.Clone()}) })
	ex = map[evidence.ExemplarKey][]evidence.Exemplar{}
	ev.Exemplars(func(k evidence.ExemplarKey, xs []evidence.Exemplar) { ex[k] = xs })
	return cells, ev.Runs(), ex
}

func encode(t testing.TB, id string, ev *evidence.Evidence, wm evidence.Step) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr(AttrInstance, id)
	Encode(ev, Export{Interval: interval, Watermark: wm, HasWatermark: true}, rm.ScopeMetrics().AppendEmpty())
	return md
}

// resent is what a receiver holds after offering an instance's exemplar
// lists, in their order, to fresh evidence: the codec carries the lists, and
// evidence decides what to keep of them.
func resent(ev *evidence.Evidence) map[evidence.ExemplarKey][]evidence.Exemplar {
	fresh := evidence.New()
	ev.Exemplars(func(k evidence.ExemplarKey, xs []evidence.Exemplar) {
		for _, x := range xs {
			fresh.AddExemplar(k, x)
		}
	})
	_, _, ex := flatten(fresh)
	return ex
}

func TestDecodeEncodeRoundTrip(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		ev := randomEvidence(seed, 500)
		got := Decode(encode(t, "i-1", ev, 42))
		require.Len(t, got, 1)
		assert.Equal(t, "i-1", got[0].ID)
		assert.Equal(t, interval, got[0].Interval)
		assert.Equal(t, evidence.Step(42), got[0].Watermark)
		assert.True(t, got[0].HasWatermark)
		assert.Zero(t, got[0].Rejected, "seed %d", seed)
		wc, wr, _ := flatten(ev)
		gc, gr, gx := flatten(got[0].Evidence)
		wx := resent(ev)
		assert.Equal(t, wc, gc, "cells, seed %d", seed)
		assert.Equal(t, wr, gr, "runs, seed %d", seed)
		assert.Equal(t, wx, gx, "exemplars, seed %d", seed)
	}
}

// Property: decoding two instances' exports and merging gives the merge of
// the originals, whatever the order.
func TestDecodedInstancesMergeToTheMergedEvidence(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		a, b := randomEvidence(seed, 300), randomEvidence(seed+1000, 300)
		md := encode(t, "a", a, 1)
		encode(t, "b", b, 1).ResourceMetrics().MoveAndAppendTo(md.ResourceMetrics())
		got := Decode(md)
		require.Len(t, got, 2)
		merged := evidence.New()
		merged.Merge(got[1].Evidence)
		merged.Merge(got[0].Evidence)

		want := evidence.New()
		want.Merge(a)
		want.Merge(b)
		wc, wr, _ := flatten(want)
		gc, gr, _ := flatten(merged)
		assert.Equal(t, wc, gc, "seed %d", seed)
		assert.Equal(t, wr, gr, "seed %d", seed)
	}
}

func TestTwoExportsOfOneInstanceAdd(t *testing.T) {
	ev := randomEvidence(3, 200)
	md := encode(t, "a", ev, 1)
	encode(t, "a", ev, 2).ResourceMetrics().MoveAndAppendTo(md.ResourceMetrics())
	got := Decode(md)
	require.Len(t, got, 1)
	assert.Equal(t, evidence.Step(2), got[0].Watermark)
	want := evidence.New()
	want.Merge(ev)
	want.Merge(ev)
	wc, _, _ := flatten(want)
	gc, _, _ := flatten(got[0].Evidence)
	assert.Equal(t, wc, gc)
}

func TestDecodeRejectsBrokenDataPoints(t *testing.T) {
	ev := evidence.New()
	ev.Observe(evidence.Observation{
		Release: evidence.Release{Service: "checkout", Version: "1"}, Arm: stage.Canary, Step: 100,
		Operation: evidence.Operation{Service: "checkout", Name: "GET", Kind: "SPAN_KIND_SERVER"},
		Duration:  time.Millisecond,
	})
	tests := map[string]func(md pmetric.Metrics){
		"interval mismatch": func(md pmetric.Metrics) {
			dp := findSum(md, MetricCalls)
			dp.SetTimestamp(dp.Timestamp() + 1)
		},
		"unaligned step": func(md pmetric.Metrics) {
			dp := findSum(md, MetricCalls)
			dp.SetStartTimestamp(dp.StartTimestamp() + 1)
			dp.SetTimestamp(dp.Timestamp() + 1)
		},
		"negative count": func(md pmetric.Metrics) { findSum(md, MetricCalls).SetIntValue(-1) },
		"unknown stage":  func(md pmetric.Metrics) { findSum(md, MetricCalls).Attributes().PutStr(AttrStage, "blue") },
		"threshold too big": func(md pmetric.Metrics) {
			findSum(md, MetricCalls).Attributes().PutInt(AttrThreshold, int64(evidence.MaxThreshold))
		},
		"missing release": func(md pmetric.Metrics) { findSum(md, MetricCalls).Attributes().Remove(AttrReleaseService) },
		"half an operation": func(md pmetric.Metrics) {
			findSum(md, MetricCalls).Attributes().Remove(AttrOperationKind)
		},
	}
	for name, breakIt := range tests {
		t.Run(name, func(t *testing.T) {
			md := pmetric.NewMetrics()
			rm := md.ResourceMetrics().AppendEmpty()
			Encode(ev, Export{Interval: interval}, rm.ScopeMetrics().AppendEmpty())
			breakIt(md)
			got := Decode(md)
			require.Len(t, got, 1)
			// The broken op-level calls point is refused, and its cell (now
			// without calls but with latency) is refused as inconsistent.
			assert.Equal(t, 2, got[0].Rejected)
			var ops int
			got[0].Evidence.Cells(func(k evidence.CellKey, _ *evidence.Cell) {
				if !k.Operation.IsRelease() {
					ops++
				}
			})
			assert.Zero(t, ops)
		})
	}
}

func TestDecodeRejectsInconsistentCell(t *testing.T) {
	ev := evidence.New()
	ev.Observe(evidence.Observation{Release: evidence.Release{Service: "c", Version: "1"}, Arm: stage.Stable, Step: 5, Error: true,
		Operation: evidence.Operation{Service: "c", Name: "GET"}})
	md := pmetric.NewMetrics()
	Encode(ev, Export{Interval: interval}, md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty())
	findSum(md, MetricErrors).SetIntValue(2) // more errors than calls, in the operation's cell
	got := Decode(md)
	assert.Equal(t, 1, got[0].Rejected)
	assert.Equal(t, 1, got[0].Evidence.Len(), "only the release-level cell is left")
}

func findSum(md pmetric.Metrics, name string) pmetric.NumberDataPoint {
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	for i := 0; i < ms.Len(); i++ {
		if ms.At(i).Name() == name {
			dps := ms.At(i).Sum().DataPoints()
			for j := 0; j < dps.Len(); j++ {
				if _, ok := dps.At(j).Attributes().Get(AttrOperationService); ok {
					return dps.At(j)
				}
			}
			return dps.At(0)
		}
	}
	panic("no metric " + name)
}
