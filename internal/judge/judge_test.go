package judge

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/stage"
)

var (
	pay     = evidence.Release{Service: "payments", Version: "1.4.0"}
	payOp   = op("payments", "POST /pay", "server")
	stockOp = op("inventory", "GET /stock", "server")
)

// spans records, at each step, stable and canary spans of one operation:
// every canaryErrEvery-th canary span and every stableErrEvery-th stable
// span is an error; durations cycle through 10..109 ms over all spans
// emitted (canary ones x slow).
// Trace IDs are distinct and deterministic.
type spans struct {
	op                             evidence.Operation
	stable, canary                 int
	stableErrEvery, canaryErrEvery int
	slow                           float64
}

var traceSeq uint64

func (s spans) observe(ev *evidence.Evidence, rel evidence.Release, step evidence.Step) {
	emit := func(arm stage.Arm, n, errEvery int, factor float64) {
		for i := 0; i < n; i++ {
			traceSeq++
			var id [16]byte
			for b := 0; b < 8; b++ {
				id[15-b] = byte(traceSeq >> (8 * b))
			}
			ev.Observe(evidence.Observation{
				Release: rel, Operation: s.op, Arm: arm, Step: step, TraceID: id,
				Error:    errEvery > 0 && i%errEvery == 0,
				Duration: time.Duration(float64(10+traceSeq%100) * factor * float64(time.Millisecond)),
			})
		}
	}
	emit(stage.Stable, s.stable, s.stableErrEvery, 1)
	emit(stage.Canary, s.canary, s.canaryErrEvery, s.slow)
}

func judgeSteps(t *testing.T, j *Judge, ev *evidence.Evidence, rel evidence.Release, steps int, ss ...spans) ReleaseVerdict {
	t.Helper()
	var v []ReleaseVerdict
	for k := 0; k < steps; k++ {
		for _, s := range ss {
			s.observe(ev, rel, evidence.Step(k))
		}
		v = j.Judge(ev, evidence.Step(k))
	}
	require.Len(t, v, 1)
	return v[0]
}

func mustJudge(t testing.TB, c Criteria) *Judge {
	j, err := New(c)
	require.NoError(t, err)
	return j
}

func TestNoEvidenceIsInconclusiveUntilMinSamples(t *testing.T) {
	j := mustJudge(t, DefaultCriteria())
	ev := evidence.New()
	v := judgeSteps(t, j, ev, pay, 2, spans{op: payOp, stable: 100, canary: 5, slow: 1})
	assert.Equal(t, Inconclusive, v.Verdict)
	assert.Equal(t, "payments@1.4.0@0", v.Run)
	assert.Equal(t, "waiting for min_samples 100 per arm: error_rate has 10 canary and 200 stable samples", v.Reason)
	assert.Zero(t, v.Score)
}

func TestErrorRegressionFailsWithExemplarsAndStaysFailed(t *testing.T) {
	j := mustJudge(t, DefaultCriteria())
	ev := evidence.New()
	bad := spans{op: payOp, stable: 400, canary: 40, stableErrEvery: 200, canaryErrEvery: 5, slow: 1}
	v := judgeSteps(t, j, ev, pay, 10, bad)
	require.Equal(t, Fail, v.Verdict)
	since := v.Since
	var failed *CheckResult
	for i := range v.Checks {
		if v.Checks[i].Verdict == Fail && v.Checks[i].Operation == payOp {
			failed = &v.Checks[i]
		}
	}
	require.NotNil(t, failed)
	assert.Equal(t, CheckErrorRate, failed.Check)
	assert.InDelta(t, 0.2, failed.Canary, 1e-12)
	assert.InDelta(t, 0.005, failed.Stable, 1e-12)
	assert.Greater(t, failed.Interval[0], 0.0, "the interval of canary - stable excludes 0")
	assert.Len(t, failed.Exemplars, evidence.ExemplarsPerKind)
	for _, x := range failed.Exemplars {
		assert.Len(t, x, 32)
	}
	assert.Contains(t, v.Reason, "error_rate of payments POST /pay (server) failed: error rate 20% vs 0.5% (×40)")

	// A healthy canary afterwards does not undo the rollback.
	good := bad
	good.canaryErrEvery = 200
	v = judgeSteps(t, j, ev, pay, 30, good)
	assert.Equal(t, Fail, v.Verdict)
	assert.Equal(t, since, v.Since)
}

func TestHealthyCanaryPromotes(t *testing.T) {
	j := mustJudge(t, DefaultCriteria())
	ev := evidence.New()
	v := judgeSteps(t, j, ev, pay, 60, spans{op: payOp, stable: 2000, canary: 400, stableErrEvery: 200, canaryErrEvery: 200, slow: 1})
	assert.Equal(t, Pass, v.Verdict, v.Reason)
	assert.Equal(t, "all 3 release-level checks pass and no operation check fails", v.Reason)
	// All six checks pass, the operation's error-rate guard too: 20,000
	// effective canary calls at a tolerated 0.75% are 150 tolerated errors
	// of intrinsic time, past where its boundary is tightest
	// (tunedForErrors).
	assert.Equal(t, 100.0, v.Score)
}

func TestFailAboveFailsEvenWhenStableIsAsBad(t *testing.T) {
	c := DefaultCriteria()
	c.ErrorRate.FailAbove = 0.02
	j := mustJudge(t, c)
	ev := evidence.New()
	v := judgeSteps(t, j, ev, pay, 20, spans{op: payOp, stable: 400, canary: 100, stableErrEvery: 10, canaryErrEvery: 10, slow: 1})
	require.Equal(t, Fail, v.Verdict)
	assert.Contains(t, v.Reason, "error_rate of release failed: error rate 10% above fail_above 2%")
}

func TestLatencyRegressionFailsOnlyTheSlowOperation(t *testing.T) {
	j := mustJudge(t, DefaultCriteria())
	ev := evidence.New()
	v := judgeSteps(t, j, ev, pay, 20,
		spans{op: payOp, stable: 400, canary: 40, slow: 2},
		spans{op: stockOp, stable: 400, canary: 40, slow: 1})
	require.Equal(t, Fail, v.Verdict)
	for _, ch := range v.Checks {
		if ch.Verdict == Fail {
			assert.NotEqual(t, stockOp, ch.Operation, "%s of the healthy operation failed", ch.Check)
		}
		if ch.Verdict == Fail && ch.Operation == payOp && ch.Check == "latency_p50" {
			assert.NotEmpty(t, ch.Exemplars)
			assert.InDelta(t, 2, ch.Canary/ch.Stable, 0.1)
		}
	}
}

func TestSameEvidenceSameVerdicts(t *testing.T) {
	// Two collector instances; two exporters merge them in opposite orders.
	a, b := evidence.New(), evidence.New()
	for k := 0; k < 30; k++ {
		spans{op: payOp, stable: 300, canary: 30, stableErrEvery: 150, canaryErrEvery: 25, slow: 1.1}.observe(a, pay, evidence.Step(k))
		spans{op: stockOp, stable: 200, canary: 20, stableErrEvery: 100, canaryErrEvery: 100, slow: 1}.observe(b, pay, evidence.Step(k))
	}
	ab, ba := evidence.New(), evidence.New()
	ab.Merge(a)
	ab.Merge(b)
	ba.Merge(b)
	ba.Merge(a)
	j1, j2 := mustJudge(t, DefaultCriteria()), mustJudge(t, DefaultCriteria())
	for k := 0; k < 30; k++ {
		assert.Equal(t, j1.Judge(ab, evidence.Step(k)), j2.Judge(ba, evidence.Step(k)))
	}
}

func TestLateCellsAreNotRetested(t *testing.T) {
	j := mustJudge(t, DefaultCriteria())
	ev := evidence.New()
	spans{op: payOp, stable: 200, canary: 200}.observe(ev, pay, 5)
	before := j.Judge(ev, 5)[0].Checks[0].Samples
	spans{op: payOp, stable: 200, canary: 200}.observe(ev, pay, 3)
	spans{op: payOp, stable: 200, canary: 200}.observe(ev, pay, 5)
	after := j.Judge(ev, 6)[0].Checks[0].Samples
	assert.Equal(t, Samples{Canary: 200, Stable: 200}, before)
	assert.Equal(t, before, after)
}

func TestCriteriaValidate(t *testing.T) {
	mod := func(f func(*Criteria)) Criteria { c := DefaultCriteria(); f(&c); return c }
	tests := []struct {
		name string
		c    Criteria
		want error
	}{
		{"defaults", DefaultCriteria(), nil},
		{"confidence 1", mod(func(c *Criteria) { c.Confidence = 1 }), ErrConfidence},
		{"confidence NaN", mod(func(c *Criteria) { c.Confidence = math.NaN() }), ErrConfidence},
		{"min samples 0", mod(func(c *Criteria) { c.MinSamples = 0 }), ErrMinSamples},
		{"negative relative", mod(func(c *Criteria) { c.ErrorRate.MaxRelativeIncrease = -1 }), ErrRelativeIncrease},
		{"absolute 1", mod(func(c *Criteria) { c.ErrorRate.MaxAbsoluteIncrease = 1 }), ErrAbsoluteIncrease},
		{"fail above 1", mod(func(c *Criteria) { c.ErrorRate.FailAbove = 1 }), ErrFailAbove},
		{"pass below 2", mod(func(c *Criteria) { c.ErrorRate.PassBelow = 2 }), ErrPassBelow},
		{"latency relative inf", mod(func(c *Criteria) { c.Latency.MaxRelativeIncrease = math.Inf(1) }), ErrRelativeIncrease},
		{"quantile 1", mod(func(c *Criteria) { c.Latency.Quantiles = []float64{1} }), ErrQuantile},
		{"quantiles unordered", mod(func(c *Criteria) { c.Latency.Quantiles = []float64{0.99, 0.5} }), ErrQuantile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tt.want)
		})
	}
	_, err := New(mod(func(c *Criteria) { c.MinSamples = -3 }))
	assert.EqualError(t, err, "min_samples must be at least 1, got -3")
}

func TestLatencyCheckNames(t *testing.T) {
	assert.Equal(t, "latency_p50", LatencyCheck(0.5))
	assert.Equal(t, "latency_p99", LatencyCheck(0.99))
	assert.Equal(t, "latency_p99.9", LatencyCheck(0.999))
}

func TestOperationSharesSpendAtMostTheBudget(t *testing.T) {
	for _, first := range []int{1, 8, 10, 40} {
		sum := 0.0
		for j := 1; j <= 1_000_000; j++ {
			sum += operationShare(j, first)
		}
		assert.LessOrEqual(t, sum, 1.0)
		assert.Greater(t, sum, 0.99, "first=%d", first)
		assert.Equal(t, operationShare(1, first), operationShare(max(first, minFirstBlock), first), "the first block shares equally")
	}
	assert.InDelta(t, 0.075, operationShare(3, 10), 1e-15)
}

// TestLevelsSpendAtMostTheBudget: the false-fail levels of all checks of a
// release add up to at most 1 - confidence, and the error-rate guard keeps
// half of each share however many quantiles are configured.
func TestLevelsSpendAtMostTheBudget(t *testing.T) {
	for _, nq := range []int{0, 1, 2, 5} {
		for _, failAbove := range []float64{0, 0.02} {
			c := DefaultCriteria()
			c.Latency.Quantiles = []float64{0.5, 0.9, 0.95, 0.99, 0.999}[:nq]
			c.ErrorRate.FailAbove = failAbove
			lv := levelsOf(c)
			nErr := 1.0
			if failAbove > 0 {
				nErr = 2
			}
			sum := lv.releaseError*nErr + lv.releaseLatency*float64(nq)
			for j := 1; j <= 100_000; j++ {
				sum += lv.opError(j, 10) + lv.opLatency(j, 10)*float64(nq)
			}
			alpha := 1 - c.Confidence
			assert.LessOrEqual(t, sum, alpha*(1+1e-12), "quantiles=%d fail_above=%v", nq, failAbove)
			assert.Greater(t, sum, 0.99*alpha, "quantiles=%d fail_above=%v", nq, failAbove)
			if nq > 0 {
				assert.InDelta(t, alpha*0.9*0.075/2, lv.opError(1, 10), 1e-15, "half of an operation's share, quantiles=%d", nq)
			}
		}
	}
}

// TestErrorBoundaryIsWideWhileFewErrorsAreExpected: tuned in tolerated
// errors, an operation's error-rate boundary is about 20% wider at 5 than
// at its narrowest (60), and within about 2% of it from 20 to 130.
func TestErrorBoundaryIsWideWhileFewErrorsAreExpected(t *testing.T) {
	a := levelsOf(DefaultCriteria()).opError(1, 10)
	at := func(tau float64) float64 { return boundariesAt(tau, a, a, tunedForErrors).fail }
	least := at(tunedForErrors)
	for tau := 1.0; tau < 1000; tau++ {
		assert.GreaterOrEqual(t, at(tau), least*(1-1e-3), "tau=%v", tau)
	}
	assert.InDelta(t, 1.20, at(5)/least, 0.01)
	for _, tau := range []float64{20, 43, 130} {
		assert.Less(t, at(tau)/least, 1.025, "tau=%v", tau)
	}
}

func TestHistogramQuantileAndExceedanceAgree(t *testing.T) {
	var h evidence.Histogram
	for ms := 1; ms <= 1000; ms++ {
		i, _ := evidence.BucketIndex(time.Duration(ms) * time.Millisecond)
		h.Add(i, 1)
	}
	var w weightedHistogram
	w.addScaled(&h, 2)
	for _, q := range []float64{0.5, 0.9, 0.99} {
		y := w.quantile(q)
		assert.InDelta(t, (1-q)*2000, w.above(y), 1e-6, "q=%v", q)
		assert.InDelta(t, q, y, 0.03*q, "quantile of 1..1000 ms")
	}
}

func TestFormatting(t *testing.T) {
	assert.Equal(t, "97,300", count(97300))
	assert.Equal(t, "5,120", count(5120.4))
	assert.Equal(t, "999", count(999))
	assert.Equal(t, "2.1%", percent(0.021))
	assert.Equal(t, "0.5%", percent(0.005))
	assert.Equal(t, "0.05%", percent(0.0005))
	assert.Equal(t, "95%", percent(0.95))
	assert.Equal(t, " (×4.2)", times(0.021, 0.005))
	assert.Equal(t, "312ms", duration(0.3123))
	assert.Equal(t, "1.25s", duration(1.25))
}

func ExampleJudge() {
	j, _ := New(DefaultCriteria())
	ev := evidence.New()
	// Ten steps of payments 1.4.0: the canary fails one call in five, stable
	// one in two hundred.
	for k := 0; k < 10; k++ {
		spans{op: payOp, stable: 400, canary: 40, stableErrEvery: 200, canaryErrEvery: 5, slow: 1}.observe(ev, pay, evidence.Step(k))
		for _, v := range j.Judge(ev, evidence.Step(k)) {
			if k == 9 {
				fmt.Println(v.Run, v.Verdict.Release(), "since step", v.Since)
				fmt.Println(v.Reason)
			}
		}
		ev.DropBefore(evidence.Step(k + 1))
	}
	// Output:
	// payments@1.4.0@0 rollback since step 2
	// error_rate of payments POST /pay (server) failed: error rate 20% vs 0.5% (×40), 400 vs 4,000 calls, 95% confidence (2 failing checks in all)
}

// BenchmarkJudgeStep is one step of a release with ten operations: add the
// step's cells, judge, drop the step.
func BenchmarkJudgeStep(b *testing.B) {
	s := tenOperations()
	var hist evidence.Histogram
	for ms := 1; ms <= 200; ms++ {
		i, _ := evidence.BucketIndex(time.Duration(ms) * time.Millisecond)
		hist.Add(i, 10)
	}
	cell := func(calls, errors int64) evidence.Cell {
		c := single(calls, errors)
		c.Latency = hist
		return c
	}
	j := mustJudge(b, DefaultCriteria())
	ev := evidence.New()
	ev.AddRun(checkout, 0)
	b.ReportAllocs()
	for k := 0; b.Loop(); k++ {
		step := evidence.Step(k)
		for _, o := range s.ops {
			key := evidence.CellKey{Release: checkout, Operation: o.op, Arm: stage.Canary, Step: step}
			_ = ev.AddCell(key, cell(100, 1))
			key.Arm = stage.Stable
			_ = ev.AddCell(key, cell(2000, 10))
		}
		for _, arm := range []stage.Arm{stage.Canary, stage.Stable} {
			_ = ev.AddCell(evidence.CellKey{Release: checkout, Arm: arm, Step: step}, single(1000, 5))
		}
		j.Judge(ev, step)
		ev.DropBefore(step + 1)
	}
}

// TestTheReasonNamesTheOperationWithTheLargestEffect: a slow query also
// slows the request that makes it, by a smaller factor; the release's reason
// names the query, and an operation before the release level.
func TestTheReasonNamesTheOperationWithTheLargestEffect(t *testing.T) {
	op := func(name string) evidence.Operation {
		return evidence.Operation{Service: "checkout", Name: name, Kind: "server"}
	}
	request := CheckResult{Operation: op("POST /checkout"), Check: "latency_p99", Canary: 0.32, Stable: 0.073}
	query := CheckResult{Operation: op("db:SELECT users"), Check: "latency_p99", Canary: 0.30, Stable: 0.05}
	release := CheckResult{Check: "error_rate", Canary: 0.5, Stable: 0.001}
	newErrors := CheckResult{Operation: op("GET /cart"), Check: "error_rate", Canary: 0.01, Stable: 0}

	assert.True(t, moreTelling(&query, &request, "checkout"), "×6 over ×4.4")
	assert.False(t, moreTelling(&request, &query, "checkout"))
	assert.True(t, moreTelling(&request, &release, "checkout"), "an operation says where")
	assert.False(t, moreTelling(&release, &query, "checkout"))
	assert.True(t, moreTelling(&newErrors, &query, "checkout"), "errors where stable has none")
}

// TestTheReasonNamesTheCalleeNotTheCallOfIt: inventory fails only when
// called from the canary; checkout's client spans calling it fail too, by
// a larger factor (each failed call can fail more than once). The reason
// names inventory's operation, where it broke. Without a failing callee,
// the release's own client span is named like any other operation.
func TestTheReasonNamesTheCalleeNotTheCallOfIt(t *testing.T) {
	call := CheckResult{Operation: evidence.Operation{Service: "checkout", Name: "GET /stock", Kind: "SPAN_KIND_CLIENT"},
		Check: "error_rate", Canary: 0.049, Stable: 0.002}
	callee := CheckResult{Operation: evidence.Operation{Service: "inventory", Name: "GET /stock", Kind: "SPAN_KIND_SERVER"},
		Check: "error_rate", Canary: 0.03, Stable: 0.002}
	request := CheckResult{Operation: evidence.Operation{Service: "checkout", Name: "POST /checkout", Kind: "SPAN_KIND_SERVER"},
		Check: "error_rate", Canary: 0.02, Stable: 0.002}

	assert.True(t, moreTelling(&callee, &call, "checkout"), "the callee over the release's call of it")
	assert.False(t, moreTelling(&call, &callee, "checkout"))
	assert.True(t, moreTelling(&call, &request, "checkout"), "own operations: the larger ratio")
	// In a release of inventory, checkout's client span is another
	// service's operation: the ratio decides.
	assert.True(t, moreTelling(&call, &callee, "inventory"))
}

// A rollback stays a rollback from the step it was decided, but what it
// names follows the checks failing now: when the callee fails one step
// after the release's call of it, the reason moves to the callee. With no
// check failing any more, the last reason stays.
func TestARollbackNamesTheMostTellingCheckFailingNow(t *testing.T) {
	r := &run{run: evidence.Run{Release: evidence.Release{Service: "checkout", Version: "1.5.0"}}}
	c := DefaultCriteria()
	call := CheckResult{Operation: evidence.Operation{Service: "checkout", Name: "GET /stock", Kind: "SPAN_KIND_CLIENT"},
		Check: "error_rate", Verdict: Fail, Canary: 0.031, Stable: 0.002, Reason: "the call"}
	callee := CheckResult{Operation: evidence.Operation{Service: "inventory", Name: "GET /stock", Kind: "SPAN_KIND_SERVER"},
		Check: "error_rate", Verdict: Inconclusive, Canary: 0.03, Stable: 0.002, Reason: "the callee"}

	v := r.conclude([]CheckResult{call, callee}, 0, c, 7)
	assert.Equal(t, Fail, v.Verdict)
	assert.Contains(t, v.Reason, "checkout GET /stock")

	callee.Verdict = Fail
	v = r.conclude([]CheckResult{call, callee}, 0, c, 8)
	assert.Equal(t, Fail, v.Verdict)
	assert.Equal(t, evidence.Step(7), v.Since, "decided at step 7")
	assert.Contains(t, v.Reason, "inventory GET /stock")
	assert.Contains(t, v.Reason, "(2 failing checks in all)")

	call.Verdict, callee.Verdict = Pass, Pass
	v = r.conclude([]CheckResult{call, callee}, 0, c, 9)
	assert.Equal(t, Fail, v.Verdict, "a rollback is final")
	assert.Contains(t, v.Reason, "inventory GET /stock")
}
