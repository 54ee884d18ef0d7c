package canaryanalysisconnector

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/internal/eventtime"
)

func TestWindowSlots(t *testing.T) {
	w := newWindow(30) // 5m of 10s steps: 10 slots of 3 steps
	assert.Equal(t, eventtime.Step(3), w.perSlot)
	assert.Len(t, w.slots, 10)
	assert.Len(t, newWindow(6).slots, 6)
	assert.Len(t, newWindow(1).slots, 1)
	assert.Len(t, newWindow(31).slots, 8) // 4 steps a slot
}

func TestWindowKeepsTheLastSlotsOnly(t *testing.T) {
	w := newWindow(6) // one step a slot
	var h whist
	for s := eventtime.Step(100); s < 110; s++ {
		w.slotFor(s).add(1, s%2 == 0, 0.1, 0, false)
	}
	calls, errs := w.stats(109, &h)
	assert.Equal(t, 6.0, calls, "steps 104..109")
	assert.Equal(t, 3.0, errs)
	h.reset()
	calls, _ = w.stats(106, &h)
	assert.Equal(t, 3.0, calls, "steps 104..106; 101..103 were overwritten")
	w.slotFor(100).add(1, false, 0.1, 0, false) // left the window: counted in the totals only
	h.reset()
	calls, _ = w.stats(109, &h)
	assert.Equal(t, 6.0, calls)
}

// The gauges see the recent slots; canary.calls and canary.duration see
// everything the window was given: overwritten slots, spans older than
// their slot, and spans the gauges leave out.
func TestWindowTotalsKeepEverySpan(t *testing.T) {
	w := newWindow(3)
	for s := eventtime.Step(0); s < 10; s++ {
		w.slotFor(s).add(2, s == 1, 0.5, int32(s), false)
	}
	w.slotFor(2).add(2, false, 0.5, 2, false) // older than its slot now holds
	w.retired.add(10, true, 1, 20, false)
	w.retired.add(1, false, 0, 0, true)

	h := whist{track: true}
	calls, sum := w.totals(&h)
	assert.Equal(t, [2]float64{2*10 + 1, 2 + 10}, calls, "ok: 10 in steps (one an error) + one old + one zero-duration; errors: step 1 + the retired one")
	assert.InDelta(t, 11*2*0.5+10, sum, 1e-9)
	assert.InDelta(t, 2*11+10+1, h.total(), 1e-9)
	assert.Equal(t, 1.0, h.zero)

	// Totals again give the same, not twice as much.
	calls2, sum2 := w.totals(&h)
	assert.Equal(t, calls, calls2)
	assert.Equal(t, sum, sum2)
	assert.InDelta(t, 2*11+10+1, h.total(), 1e-9)

	var g whist
	recent, _ := w.stats(9, &g)
	assert.Equal(t, 6.0, recent, "steps 7..9")
}

// The totals are summed anew for every emission, so they can come out an
// ulp below the last ones: what is emitted never goes down, and a delta of
// unsigned bucket counts never wraps around.
func TestSeriesTotalsNeverGoDown(t *testing.T) {
	s := newSeries(0, 6)
	s.add(1, true, 2.4, false, 0.1, 3, false, 0) // bucket weight 2.4 rounds to 2
	s.total()
	s.calls[0] += 1e-9 // as if the last sum had come out a hair higher
	s.sum += 1e-9
	s.hist.sent[0] = 3 // and a bucket had been emitted rounded up
	s.hist.sentZero = 1
	before := s.calls
	s.dirty = true
	s.total()
	assert.Equal(t, before, s.calls)

	hp := pmetric.NewExponentialHistogramDataPoint()
	(&canaryConnector{}).fillHistogram(hp, s, true)
	assert.Equal(t, []uint64{0}, hp.Positive().BucketCounts().AsRaw(), "no wrap below what was sent")
	assert.Equal(t, uint64(0), hp.ZeroCount())
	assert.Equal(t, uint64(0), hp.Count())
}

// Each series keeps its own window, and an operation arm's gauges add its
// versions': two stable versions of one operation (a stable rollout under
// way beside the canary) make one stable error rate over both.
func TestAnArmsGaugeAddsItsVersions(t *testing.T) {
	h := newHarness(t, testConfig())
	base := span{service: "checkout", resStage: "stable", name: "POST /checkout", kind: ptrace.SpanKindServer, end: time.Second}
	old, cur := base, base
	old.version, cur.version = "1.2", "1.3"
	oldErr := old
	oldErr.err = true
	canary := base
	canary.version, canary.resStage = "1.4", "canary"
	h.send(append(append(repeat(3, old), oldErr), append(repeat(4, cur), canary)...)...)
	h.flush()
	md := h.last()

	gauge := key("service.name", "checkout", "span.name", "POST /checkout", "span.kind", "SPAN_KIND_SERVER", "deployment.stage", "stable")
	assert.Equal(t, 1.0/8, values(points(md, metricErrorRate))[gauge], "1 error in 4 + 4 stable calls")
	calls := values(points(md, metricCalls))
	series := func(ver, status string) string {
		return key("service.name", "checkout", "service.version", ver, "span.name", "POST /checkout", "span.kind", "SPAN_KIND_SERVER", "deployment.stage", "stable", "status", status)
	}
	assert.Equal(t, 3.0, calls[series("1.2", "ok")])
	assert.Equal(t, 1.0, calls[series("1.2", "error")])
	assert.Equal(t, 4.0, calls[series("1.3", "ok")])
}
