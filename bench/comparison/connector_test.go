package comparison

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canarytrace/canarytrace/bench/workload"
)

var connectors = []Connector{CanaryAnalysis(), SpanMetrics()}

// Both connectors count every span of workload seed 1 (5,000 traces) under
// its stage, exactly: calls and errors per stage as generated (the span's
// deployment.stage attribute, else its resource's). canary_analysis also
// judged: it emitted verdicts.
func TestConnectorsCountAlike(t *testing.T) {
	cfg := workload.DefaultConfig(5_000)
	for _, c := range connectors {
		t.Run(c.Name, func(t *testing.T) {
			r, err := MeasureConnectorCPU(context.Background(), c, cfg)
			require.NoError(t, err)
			for st := range workload.NumStages {
				assert.Equal(t, float64(r.Truth.Calls[st]), r.Calls.Calls[st], "calls, %s", st)
				assert.Equal(t, float64(r.Truth.Errors[st]), r.Calls.Errors[st], "errors, %s", st)
			}
			assert.Positive(t, r.Truth.Calls[workload.CanaryStage])
			assert.Positive(t, r.Truth.Errors[workload.StableStage])
			if c.Name == "canary_analysis" {
				assert.Positive(t, r.Calls.Verdicts, "verdict points")
			} else {
				assert.Zero(t, r.Calls.Verdicts)
			}
		})
	}
}

// The connectors' method reads a contender of known cost as about that
// cost: a spin loop of 1 µs of CPU per span, ten times canary_analysis's
// cost, so that a shared machine's noise cannot move it out of the band,
// while a method that forgot to subtract the decoding (about 700 ns per
// span) or counted the spinner twice would. Medians of three runs:
//
//   - The total and the calling thread's share: within ±30% (single runs
//     read 940–1140 here).
//   - Other threads: about zero, as the spinner runs on no other thread
//     (within ±55 ns per span in single runs here).
//   - Allocations: none, which also checks that the passes around the
//     contender's decode as it does (a baseline decoding each batch twice
//     would read about -20 a span).
func TestCallerMethodReadsAKnownCost(t *testing.T) {
	w, err := Prepare(workload.DefaultConfig(20_000))
	require.NoError(t, err)
	var known float64
	var total, caller, others, allocs []float64
	for range 3 {
		c, err := Calibrate(context.Background(), w, time.Microsecond)
		require.NoError(t, err)
		known = c.Known
		total = append(total, c.Measured.CPUPerSpan)
		caller = append(caller, c.Measured.CallerPerSpan)
		others = append(others, c.Measured.OtherThreadPerSpan)
		allocs = append(allocs, c.Measured.AllocsSpan)
	}
	median := func(v []float64) float64 { slices.Sort(v); return v[1] }
	assert.InDelta(t, known, median(total), 0.3*known, "CPU per span, median of %v", total)
	assert.InDelta(t, known, median(caller), 0.3*known, "calling thread's CPU per span, median of %v", caller)
	assert.InDelta(t, 0, median(others), 80, "other threads' CPU per span, median of %v", others)
	assert.InDelta(t, 0, median(allocs), 0.05, "allocations per span, median of %v", allocs)
}
