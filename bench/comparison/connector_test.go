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
// cost, so that a shared machine's noise (tens of ns per span) cannot
// move it out of the band, while a method that forgot to subtract the
// decoding (about 800 ns per span) or counted the spinner twice would.
// The spinner runs on no other thread, so the other-threads term is about
// zero: within ±55 ns per span in single runs here, against 107–141 when
// the decode-only passes' background was subtracted once instead of twice
// (the paired pass decodes everything twice); the median of three runs
// must lie within 80.
func TestCallerMethodReadsAKnownCost(t *testing.T) {
	w, err := Prepare(workload.DefaultConfig(5_000))
	require.NoError(t, err)
	var others []float64
	for range 3 {
		c, err := Calibrate(context.Background(), w, time.Microsecond)
		require.NoError(t, err)
		assert.InDelta(t, c.Known, c.Measured.CPUPerSpan, 0.4*c.Known, "measured %+v", c.Measured)
		assert.InDelta(t, 0, c.Measured.AllocsSpan, 0.01, "the spinner allocates nothing")
		others = append(others, c.Measured.OtherThreadPerSpan)
	}
	slices.Sort(others)
	assert.InDelta(t, 0, others[1], 80, "other threads' CPU per span, median of %v", others)
}
