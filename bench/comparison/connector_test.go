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
//   - In its calls (paired with decoding chunk by chunk): within ±25%; it
//     read 970–1025 here.
//   - Allocations: none. They are counted against passes built alike: a
//     baseline that decoded each batch once, not twice, would read about
//     20 a span (decoding's own).
//   - The two terms beside its calls read about zero, the spinner neither
//     allocating nor running elsewhere. Decoding slowed is a difference
//     between passes seconds apart, so a machine that slows down for a
//     while moves it: single runs read -440 to +700 here on a bad
//     afternoon, medians up to 310. Other threads read within ±55 (107–141
//     when the background of decoding was not subtracted).
//   - The total: within ±50%.
func TestCallerMethodReadsAKnownCost(t *testing.T) {
	w, err := Prepare(workload.DefaultConfig(20_000))
	require.NoError(t, err)
	var known float64
	var calls, allocs, slowed, others, total []float64
	for range 3 {
		c, err := Calibrate(context.Background(), w, time.Microsecond)
		require.NoError(t, err)
		known = c.Known
		calls = append(calls, c.Measured.CallerPerSpan)
		allocs = append(allocs, c.Measured.AllocsSpan)
		slowed = append(slowed, c.Measured.DecodeSlowedPerSpan)
		others = append(others, c.Measured.OtherThreadPerSpan)
		total = append(total, c.Measured.CPUPerSpan)
	}
	median := func(v []float64) float64 { slices.Sort(v); return v[1] }
	assert.InDelta(t, known, median(calls), 0.25*known, "in its calls, per span, median of %v", calls)
	assert.InDelta(t, 0, median(allocs), 0.05, "allocations per span, median of %v", allocs)
	assert.InDelta(t, 0, median(slowed), 400, "decoding slowed per span, median of %v", slowed)
	assert.InDelta(t, 0, median(others), 80, "other threads' CPU per span, median of %v", others)
	assert.InDelta(t, known, median(total), 0.5*known, "CPU per span, median of %v", total)
}
