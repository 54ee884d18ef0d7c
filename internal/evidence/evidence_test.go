package evidence

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canarytrace/canarytrace/internal/stage"
)

var (
	rel = Release{Service: "checkout", Version: "1.2.0"}
	opA = Operation{Service: "checkout", Name: "GET /cart", Kind: "server"}
	opB = Operation{Service: "inventory", Name: "db:SELECT", Kind: "client"}
)

func trace(b byte) [16]byte { return [16]byte{15: b, 8: b} }

func obs(op Operation, arm stage.Arm, tr byte, isErr bool) Observation {
	return Observation{Release: rel, Operation: op, Arm: arm, Step: 7, TraceID: trace(tr), Error: isErr, Duration: 50 * time.Millisecond}
}

func TestObserveTraceMomentsTreatTraceAsUnit(t *testing.T) {
	e := New()
	// trace 1: three spans of opA, one an error; trace 2: one ok span.
	e.Observe(obs(opA, stage.Canary, 1, false))
	e.Observe(obs(opA, stage.Canary, 1, true))
	e.Observe(obs(opA, stage.Canary, 1, false))
	e.Observe(obs(opA, stage.Canary, 2, false))
	c := e.Cell(CellKey{Release: rel, Operation: opA, Arm: stage.Canary, Step: 7})
	require.NotNil(t, c)
	assert.Equal(t, int64(4), c.Calls)
	assert.Equal(t, int64(1), c.Errors)
	assert.Equal(t, int64(3*3+1*1), c.TraceCalls2)
	assert.Equal(t, int64(1), c.TraceErrors2)
	assert.Equal(t, int64(3*1+0), c.TraceCallsErrors)
	assert.Equal(t, uint64(4), c.Latency.Total())
}

func TestObserveReleaseCellPoolsOperationsOfOneTrace(t *testing.T) {
	e := New()
	e.Observe(obs(opA, stage.Canary, 1, true))
	e.Observe(obs(opB, stage.Canary, 1, true))
	r := e.Cell(CellKey{Release: rel, Arm: stage.Canary, Step: 7})
	require.NotNil(t, r)
	assert.Equal(t, int64(2), r.Calls)
	assert.Equal(t, int64(4), r.TraceCalls2, "one trace with 2 spans")
	assert.Equal(t, int64(4), r.TraceErrors2)
	assert.Equal(t, int64(4), r.TraceCallsErrors)
	assert.Empty(t, r.Latency.Counts, "release-level cells carry no histogram")
}

func TestObserveRejectsBadInput(t *testing.T) {
	e := New()
	e.Observe(obs(opA, stage.None, 1, false))
	bad := obs(opA, stage.Canary, 1, false)
	bad.Threshold = MaxThreshold
	e.Observe(bad)
	noRel := obs(opA, stage.Canary, 1, false)
	noRel.Release = Release{}
	e.Observe(noRel)
	assert.Equal(t, 0, e.Len())
	assert.Equal(t, uint64(3), e.Stats().Rejected)
}

func TestRunStartIsFirstCanaryStep(t *testing.T) {
	e := New()
	s := obs(opA, stage.Stable, 1, false)
	s.Step = 3
	e.Observe(s)
	c := obs(opA, stage.Canary, 2, false)
	c.Step = 9
	e.Observe(c)
	c.Step = 8
	e.Observe(c)
	other := New()
	other.AddRun(rel, 12)
	e.Merge(other)
	assert.Equal(t, []Run{{Release: rel, Start: 8}}, e.Runs())
	assert.Equal(t, "checkout@1.2.0@8", e.Runs()[0].ID())
}

func TestMergeIsOrderIndependent(t *testing.T) {
	a, b := New(), New()
	for i := byte(0); i < 40; i++ {
		o := obs(opA, stage.Canary, i, i%7 == 0)
		o.Duration = time.Duration(i) * time.Millisecond
		o.Threshold = uint64(i%2) << 55
		if i%2 == 0 {
			a.Observe(o)
		} else {
			b.Observe(o)
		}
	}
	ab, ba := New(), New()
	ab.Merge(a)
	ab.Merge(b)
	ba.Merge(b)
	ba.Merge(a)
	assert.Equal(t, dump(ab), dump(ba))
	var xa, xb []Exemplar
	ab.Exemplars(func(_ ExemplarKey, xs []Exemplar) { xa = append(xa, xs...) })
	ba.Exemplars(func(_ ExemplarKey, xs []Exemplar) { xb = append(xb, xs...) })
	assert.Equal(t, xa, xb)
}

func dump(e *Evidence) map[CellKey]Cell {
	m := map[CellKey]Cell{}
	e.Cells(func(k CellKey, c *Cell) { m[k] = c.Clone() })
	return m
}

func TestAddCellRebuildsExportedEvidence(t *testing.T) {
	e := New()
	for i := byte(0); i < 10; i++ {
		e.Observe(obs(opB, stage.Stable, i, i == 3))
	}
	r := New()
	e.Cells(func(k CellKey, c *Cell) { require.NoError(t, r.AddCell(k, c.Clone())) })
	assert.Equal(t, dump(e), dump(r))
}

func TestAddCellRefusesImpossibleCells(t *testing.T) {
	k := CellKey{Release: rel, Operation: opA, Arm: stage.Canary}
	e := New()
	tests := []struct {
		name string
		key  CellKey
		cell Cell
		want error
	}{
		{"negative", k, Cell{Calls: -1}, ErrNegativeCount},
		{"errors above calls", k, Cell{Calls: 1, Errors: 2, TraceCalls2: 1, TraceErrors2: 2, TraceCallsErrors: 2}, ErrErrorsAboveCalls},
		{"moments", k, Cell{Calls: 2, TraceCalls2: 1}, ErrMoments},
		{"no arm", CellKey{Release: rel}, Cell{}, ErrKey},
		{"bad threshold", CellKey{Release: rel, Arm: stage.Stable, Threshold: MaxThreshold}, Cell{}, ErrKey},
	}
	for _, tt := range tests {
		assert.ErrorIs(t, e.AddCell(tt.key, tt.cell), tt.want, tt.name)
	}
	assert.Equal(t, 0, e.Len())
	assert.Equal(t, uint64(len(tests)), e.Stats().Rejected)
	assert.NoError(t, e.AddCell(k, Cell{Calls: 3, Errors: 1, TraceCalls2: 5, TraceErrors2: 1, TraceCallsErrors: 2}))
}

func TestExemplarsKeepLatestErrorsAndSlowest(t *testing.T) {
	e := New()
	for i := byte(1); i <= 10; i++ {
		o := obs(opA, stage.Canary, i, i%2 == 0)
		o.Step = Step(i)
		o.Duration = time.Duration(11-i) * time.Second
		e.Observe(o)
	}
	xs := e.ExemplarsOf(ExemplarKey{rel, opA})
	require.Len(t, xs, 2*ExemplarsPerKind)
	var errSteps, slowDur []int64
	for _, x := range xs[:ExemplarsPerKind] {
		errSteps = append(errSteps, int64(x.Step))
	}
	for _, x := range xs[ExemplarsPerKind:] {
		slowDur = append(slowDur, int64(x.Duration/time.Second))
	}
	assert.Equal(t, []int64{10, 8, 6, 4}, errSteps)
	assert.Equal(t, []int64{10, 9, 8, 7}, slowDur)
}

func TestDropBeforeKeepsLaterSteps(t *testing.T) {
	e := New()
	for s := Step(1); s <= 5; s++ {
		o := obs(opA, stage.Stable, 1, false)
		o.Step = s
		e.Observe(o)
	}
	assert.Equal(t, 6, e.DropBefore(4), "3 steps x (operation + release cell)")
	var steps []Step
	e.Cells(func(k CellKey, _ *Cell) {
		if !k.Operation.IsRelease() {
			steps = append(steps, k.Step)
		}
	})
	assert.Equal(t, []Step{4, 5}, steps)
}

func TestTraceCacheEvictionStartsNewCluster(t *testing.T) {
	e := NewWithTraceCache(traceWays) // one set
	// Each span takes two entries (its operation's cell and its release's):
	// trace 1, then traces 2-5 fill the set and push trace 1's pairs out,
	// so trace 1's second span is a new cluster: 1+1+1+1+1+1, not 2^2+4.
	e.Observe(obs(opA, stage.Canary, 1, false))
	for tr := byte(2); tr <= 5; tr++ {
		e.Observe(obs(opA, stage.Canary, tr, false))
	}
	e.Observe(obs(opA, stage.Canary, 1, false))
	c := e.Cell(CellKey{Release: rel, Operation: opA, Arm: stage.Canary, Step: 7})
	assert.Equal(t, int64(6), c.TraceCalls2)
	assert.Positive(t, e.Stats().TraceCacheEvictions)
}

func TestTraceCacheKeepsTheTraceInUse(t *testing.T) {
	e := NewWithTraceCache(traceWays) // one set
	// Trace 1 comes back between each other trace: least recently used
	// eviction keeps its pairs, so its three spans are one cluster
	// (3^2 + 7 traces of one span), though 7 other traces passed through.
	for tr := byte(2); tr <= 8; tr++ {
		if tr%3 == 2 {
			e.Observe(obs(opA, stage.Canary, 1, false))
		}
		e.Observe(obs(opA, stage.Canary, tr, false))
	}
	c := e.Cell(CellKey{Release: rel, Operation: opA, Arm: stage.Canary, Step: 7})
	assert.Equal(t, int64(10), c.Calls)
	assert.Equal(t, int64(9+7), c.TraceCalls2)
	assert.Positive(t, e.Stats().TraceCacheEvictions)
}

func TestTraceCacheFullCountsStartANewCluster(t *testing.T) {
	e := NewWithTraceCache(traceWays)
	// 4,096 spans of one trace in one cell: the 12-bit count is full at
	// 4,095, so the last span starts a new cluster (counted as an eviction).
	const n = 1 << countBits
	for range n {
		e.Observe(obs(opA, stage.Canary, 1, false))
	}
	c := e.Cell(CellKey{Release: rel, Operation: opA, Arm: stage.Canary, Step: 7})
	assert.Equal(t, int64(n), c.Calls)
	assert.Equal(t, int64((n-1)*(n-1)+1), c.TraceCalls2)
	assert.Equal(t, uint64(2), e.Stats().TraceCacheEvictions) // operation and release cells
}

func TestStepOfFloors(t *testing.T) {
	assert.Equal(t, Step(2), StepOf(25, 10))
	assert.Equal(t, Step(-1), StepOf(-5, 10))
	assert.Equal(t, Step(-1), StepOf(-10, 10))
}

func BenchmarkObserve(b *testing.B) {
	e := New()
	o := obs(opA, stage.Canary, 1, false)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		o.TraceID[9] = byte(i)
		o.TraceID[10] = byte(i >> 8)
		o.Error = i%200 == 0
		o.Duration = time.Duration(i%1000) * time.Millisecond
		e.Observe(o)
	}
}

func ExampleEvidence_Observe() {
	e := New()
	rel := Release{Service: "checkout", Version: "1.2.0"}
	db := Operation{Service: "checkout", Name: "db:SELECT users", Kind: "client"}
	// One canary trace calls the database twice, the second call fails.
	trace := [16]byte{15: 1}
	for i, d := range []time.Duration{40 * time.Millisecond, 310 * time.Millisecond} {
		e.Observe(Observation{Release: rel, Operation: db, Arm: stage.Canary, Step: 42, TraceID: trace, Error: i == 1, Duration: d})
	}
	e.Cells(func(k CellKey, c *Cell) {
		fmt.Printf("%q %s step %d: calls %d errors %d, sum n^2 %d, sum e^2 %d, sum n*e %d, %d latencies\n",
			k.Operation.String(), k.Arm, k.Step, c.Calls, c.Errors, c.TraceCalls2, c.TraceErrors2, c.TraceCallsErrors, c.Latency.Total())
	})
	fmt.Println(e.Runs()[0].ID())
	// Output:
	// "" canary step 42: calls 2 errors 1, sum n^2 4, sum e^2 1, sum n*e 2, 0 latencies
	// "checkout db:SELECT users (client)" canary step 42: calls 2 errors 1, sum n^2 4, sum e^2 1, sum n*e 2, 2 latencies
	// checkout@1.2.0@42
}

func BenchmarkObserveSeries(b *testing.B) {
	e := New()
	h := e.SeriesOf(rel, opA)
	tr := trace(1)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		tr[9] = byte(i)
		tr[10] = byte(i >> 8)
		sp := NewSpan(tr, i%200 == 0, time.Duration(i%1000)*time.Millisecond)
		e.ObserveSeries(&h, stage.Canary, 7, 0, &sp)
	}
}
