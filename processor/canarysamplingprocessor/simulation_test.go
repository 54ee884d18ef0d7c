package canarysamplingprocessor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/internal/sampling"
	"github.com/canarytrace/canarytrace/internal/stage"
)

// trafficMix is one kind of traffic the simulation sends through the
// processor.
type trafficMix struct {
	name        string
	canaryShare float64   // share of traces that touch canary code
	errorRate   float64   // share of traces with one error span
	upstream    []float64 // head-sampling probabilities, one drawn per trace (1: none)
	canaryPct   float64
	stablePct   float64
}

// simCounts are span counts (or sums of adjusted counts) by stage and by
// outcome.
type simCounts struct {
	canary, stable, errors, ok float64
}

func (c *simCounts) add(canary, failed bool, w float64) {
	if canary {
		c.canary += w
	} else {
		c.stable += w
	}
	if failed {
		c.errors += w
	} else {
		c.ok += w
	}
}

// simRun is one run's truth, estimate and kept-trace tallies.
type simRun struct {
	truth, estimate simCounts
	// reached and kept count the error-free traces reaching the processor,
	// and those kept, by stage: [0] stable, [1] canary.
	reached, kept [2]float64
}

const (
	simRuns          = 100
	simTracesPerRun  = 1000
	simMaxSpans      = 4
	simBoundInSigmas = 4.0 // per check: a false failure has probability ~6e-5
)

// TestSimulationEstimatesAreUnbiased sends many fixed-seed runs of several
// traffic mixes through the processor and checks, for each mix, that
//   - the sum of adjusted counts (1/p from each kept span's th) estimates the
//     true span count per stage and per error/ok without bias: the mean
//     error over runs is within 4 standard errors of zero;
//   - the share of error-free traces kept is the configured percentage per
//     stage, within 4 binomial standard errors.
//
// Seeds: run r of mix m uses seed 1000*m + r; 100 runs of 1000 traces per mix.
func TestSimulationEstimatesAreUnbiased(t *testing.T) {
	mixes := []trafficMix{
		{name: "design defaults", canaryShare: 0.05, errorRate: 0.005, upstream: []float64{1}, canaryPct: 100, stablePct: 10},
		{name: "large canary, head sampled", canaryShare: 0.3, errorRate: 0.03, upstream: []float64{0.5}, canaryPct: 50, stablePct: 10},
		{name: "rare canary, strong head sampling", canaryShare: 0.01, errorRate: 0.01, upstream: []float64{0.25}, canaryPct: 100, stablePct: 5},
		{name: "mixed upstream rates", canaryShare: 0.1, errorRate: 0.02, upstream: []float64{1, 0.5, 0.1}, canaryPct: 80, stablePct: 20},
	}
	for m, mix := range mixes {
		t.Run(mix.name, func(t *testing.T) {
			runs := make([]simRun, simRuns)
			for r := range runs {
				runs[r] = simulate(t, mix, uint64(1000*m+r))
			}
			checkUnbiased(t, runs)
			checkKeptShares(t, mix, runs)
		})
	}
}

func simulate(t *testing.T, mix trafficMix, seed uint64) simRun {
	cfg := testConfig()
	cfg.CanaryPercentage, cfg.StablePercentage = mix.canaryPct, mix.stablePct
	p := newTestSampler(t, cfg)
	rng := rand.New(rand.NewPCG(seed, 0))
	var run simRun
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	reached := map[pcommon.TraceID]bool{} // error-free traces that reached us, by canary
	for range simTracesPerRun {
		var id pcommon.TraceID
		for i := range id {
			id[i] = byte(rng.Uint32())
		}
		canary := rng.Float64() < mix.canaryShare
		n := 1 + rng.IntN(simMaxSpans)
		failing := -1
		if rng.Float64() < mix.errorRate {
			failing = rng.IntN(n)
		}
		for i := range n {
			run.truth.add(canary, i == failing, 1)
		}
		// Head sampling upstream, consistent with the trace's randomness.
		up := mix.upstream[rng.IntN(len(mix.upstream))]
		th, err := sampling.ProbabilityToThreshold(up)
		require.NoError(t, err)
		if !th.ShouldSample(sampling.RandomnessFromTraceID(id)) {
			continue
		}
		if failing < 0 {
			reached[id] = canary
			run.reached[btoi(canary)]++
		}
		for i := range n {
			s := spans.AppendEmpty()
			s.SetTraceID(id)
			s.SetSpanID(spanID(uint64(i + 1)))
			if i > 0 {
				s.SetParentSpanID(spanID(1))
			}
			s.SetName("op")
			if canary {
				s.Attributes().PutStr(stage.DefaultAttribute, "canary")
			} else {
				s.Attributes().PutStr(stage.DefaultAttribute, "stable")
			}
			if i == failing {
				s.Status().SetCode(ptrace.StatusCodeError)
			}
			if up < 1 {
				s.TraceState().FromRaw("ot=th:" + th.Hex())
			}
		}
	}
	p.consume(t, td)
	p.advance(wait)

	keptTraces := map[pcommon.TraceID]bool{}
	for _, out := range p.sink.AllTraces() {
		forEachSpan(out, func(_ ptrace.ResourceSpans, s ptrace.Span) {
			v, _ := s.Attributes().Get(stage.DefaultAttribute)
			w := sampling.AdjustedCountOf(s.TraceState().AsRaw())
			require.Positive(t, w, "kept span without a th: %q", s.TraceState().AsRaw())
			run.estimate.add(v.Str() == "canary", s.Status().Code() == ptrace.StatusCodeError, w)
			keptTraces[s.TraceID()] = true
		})
	}
	for id, canary := range reached {
		if keptTraces[id] {
			run.kept[btoi(canary)]++
		}
	}
	return run
}

func checkUnbiased(t *testing.T, runs []simRun) {
	t.Helper()
	for _, c := range []struct {
		name string
		get  func(simCounts) float64
	}{
		{"canary spans", func(c simCounts) float64 { return c.canary }},
		{"stable spans", func(c simCounts) float64 { return c.stable }},
		{"error spans", func(c simCounts) float64 { return c.errors }},
		{"ok spans", func(c simCounts) float64 { return c.ok }},
	} {
		var sum, sumSq, truth float64
		for _, r := range runs {
			d := c.get(r.estimate) - c.get(r.truth)
			sum += d
			sumSq += d * d
			truth += c.get(r.truth)
		}
		n := float64(len(runs))
		mean := sum / n
		se := math.Sqrt(max(sumSq/n-mean*mean, 0) / (n - 1))
		msg := fmt.Sprintf("%s: mean error %.2f per run (true mean %.1f), standard error %.2f", c.name, mean, truth/n, se)
		t.Log(msg)
		assert.LessOrEqual(t, math.Abs(mean), simBoundInSigmas*se+1e-9, msg)
	}
}

func checkKeptShares(t *testing.T, mix trafficMix, runs []simRun) {
	t.Helper()
	for arm, pct := range []float64{mix.stablePct, mix.canaryPct} {
		var reached, kept float64
		for _, r := range runs {
			reached += r.reached[arm]
			kept += r.kept[arm]
		}
		p := pct / 100
		se := math.Sqrt(p * (1 - p) / reached)
		msg := fmt.Sprintf("arm %d: kept %.0f of %.0f error-free traces (%.4f), want %.4f ± %.4f", arm, kept, reached, kept/reached, p, simBoundInSigmas*se)
		t.Log(msg)
		assert.InDelta(t, p, kept/reached, simBoundInSigmas*se+1e-9, msg)
	}
}
