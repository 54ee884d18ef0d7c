package evidence

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canarytrace/canarytrace/internal/stage"
)

// While the cache holds every (trace, cell) pair, the moments are exact:
// each trace's spans in a cell count as one cluster, whatever other traces
// share its set, and the packed counts keep errors and spans apart.
func TestTraceCacheMomentsExactWhileNothingIsEvicted(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	// 500 traces of ~60 spans, each in one arm and step (as a trace mostly
	// is) across three operations: four pairs a trace, all in its set.
	traces := make([][16]byte, 500)
	for i := range traces {
		for j := range traces[i] {
			traces[i][j] = byte(rng.Uint32())
		}
	}
	ops := []Operation{opA, opB, {Service: "checkout", Name: "db:SELECT carts", Kind: "client"}}
	type pair struct {
		k     CellKey
		trace int
	}
	spans, errs := map[pair]int64{}, map[pair]int64{}
	e := NewWithTraceCache(1 << 16)
	for range 30000 {
		tr := rng.IntN(len(traces))
		o := Observation{
			Release:   rel,
			Operation: ops[rng.IntN(len(ops))],
			Arm:       []stage.Arm{stage.Canary, stage.Stable}[tr%2],
			Step:      Step(7 + tr%3),
			TraceID:   traces[tr],
			Error:     rng.IntN(4) == 0,
			Duration:  time.Duration(1+rng.IntN(100)) * time.Millisecond,
		}
		e.Observe(o)
		for _, k := range []CellKey{
			{Release: rel, Operation: o.Operation, Arm: o.Arm, Step: o.Step},
			{Release: rel, Arm: o.Arm, Step: o.Step},
		} {
			spans[pair{k, tr}]++
			if o.Error {
				errs[pair{k, tr}]++
			}
		}
	}
	want := map[CellKey]*Cell{}
	for p, n := range spans {
		c := want[p.k]
		if c == nil {
			c = &Cell{}
			want[p.k] = c
		}
		x := errs[p]
		c.Calls += n
		c.Errors += x
		c.TraceCalls2 += n * n
		c.TraceErrors2 += x * x
		c.TraceCallsErrors += n * x
	}
	require.Len(t, want, 3*2*3+2*3)
	for k, w := range want {
		got := e.Cell(k)
		require.NotNil(t, got, "%+v", k)
		assert.Equal(t, [5]int64{w.Calls, w.Errors, w.TraceCalls2, w.TraceErrors2, w.TraceCallsErrors},
			[5]int64{got.Calls, got.Errors, got.TraceCalls2, got.TraceErrors2, got.TraceCallsErrors}, "%+v", k)
	}
	assert.Zero(t, e.Stats().TraceCacheEvictions)
}

// A handle remembers the cells of its last observation; once DropBefore has
// freed them (and the free list handed them to another series), its next
// observation of that slot must find a cell of its own again.
func TestSeriesHandleForgetsDroppedCells(t *testing.T) {
	e := New()
	a, b := e.SeriesOf(rel, opA), e.SeriesOf(rel, opB)
	sp := NewSpan(trace(1), false, time.Millisecond)
	e.ObserveSeries(&a, stage.Stable, 5, 0, &sp)
	require.Equal(t, 2, e.DropBefore(6), "opA's cell and the release cell of step 5")
	e.ObserveSeries(&b, stage.Stable, 7, 0, &sp) // reuses the freed cells
	e.ObserveSeries(&a, stage.Stable, 5, 0, &sp)

	assert.Equal(t, int64(1), e.Cell(CellKey{Release: rel, Operation: opB, Arm: stage.Stable, Step: 7}).Calls)
	assert.Equal(t, int64(1), e.Cell(CellKey{Release: rel, Arm: stage.Stable, Step: 7}).Calls)
	assert.Equal(t, int64(1), e.Cell(CellKey{Release: rel, Operation: opA, Arm: stage.Stable, Step: 5}).Calls)
	assert.Equal(t, int64(1), e.Cell(CellKey{Release: rel, Arm: stage.Stable, Step: 5}).Calls)
}
