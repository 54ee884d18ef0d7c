package judge

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/stage"
)

// The simulations below draw evidence at the count level: per step, arm and
// operation, Poisson call counts per latency bucket and binomial error
// counts — the sufficient statistics the judge sees — instead of spans, so
// hundreds of 30-minute runs take seconds.

// latencyModel is a lognormal body with an optional lognormal slow tail.
type latencyModel struct {
	median, sigma         float64 // seconds
	tailShare, tailMedian float64
}

// buckets returns the probability of each evidence bucket.
func (m latencyModel) buckets() (offset int32, p []float64) {
	cdf := func(x, med, sigma float64) float64 {
		return 0.5 * math.Erfc(-(math.Log(x)-math.Log(med))/(sigma*math.Sqrt2))
	}
	mix := func(x float64) float64 {
		c := (1 - m.tailShare) * cdf(x, m.median, m.sigma)
		if m.tailShare > 0 {
			c += m.tailShare * cdf(x, m.tailMedian, 0.1)
		}
		return c
	}
	lo, _ := evidence.BucketIndex(durationOf(m.median * math.Exp(-7*m.sigma)))
	hiMed := m.median * math.Exp(7*m.sigma)
	if m.tailShare > 0 {
		hiMed = math.Max(hiMed, m.tailMedian*math.Exp(0.7))
	}
	hi, _ := evidence.BucketIndex(durationOf(hiMed))
	for i := lo; i <= hi; i++ {
		p = append(p, mix(evidence.BucketUpper(i))-mix(evidence.BucketLower(i)))
	}
	return lo, p
}

// simOp is one operation of a simulated release.
type simOp struct {
	op        evidence.Operation
	perReq    float64 // calls per request: >= 1 means every trace makes that many
	errStable float64
	errCanary float64
	latStable latencyModel
	latCanary latencyModel
}

// scenario is a release's traffic.
type scenario struct {
	release     evidence.Release
	rps         float64
	canaryShare float64
	interval    float64 // seconds per step
	ops         []simOp
}

type armTable struct {
	offset int32
	p      []float64
	// lambda and expNeg cache exp(-lambda*p) per bucket for the Poisson
	// draws: lambda is fixed per arm within a scenario.
	lambda float64
	expNeg []float64
}

type preparedOp struct {
	simOp
	tables [2]armTable // canary, stable
}

func (s scenario) prepare() []preparedOp {
	out := make([]preparedOp, len(s.ops))
	for i, o := range s.ops {
		out[i].simOp = o
		off, p := o.latCanary.buckets()
		out[i].tables[0] = armTable{offset: off, p: p}
		off, p = o.latStable.buckets()
		out[i].tables[1] = armTable{offset: off, p: p}
	}
	return out
}

// stepCell is one drawn arm/operation/step before sampling.
type stepCell struct {
	hist   evidence.Histogram
	calls  int64
	errors int64
}

// draw draws one step of one arm of one operation.
func draw(rng *rand.Rand, o *preparedOp, arm int, lambda float64, into *stepCell) {
	t := &o.tables[arm]
	if t.lambda != lambda || t.expNeg == nil {
		t.lambda, t.expNeg = lambda, make([]float64, len(t.p))
		for j, p := range t.p {
			t.expNeg[j] = math.Exp(-lambda * p)
		}
	}
	into.hist.Offset = t.offset
	into.hist.Counts = into.hist.Counts[:0]
	into.hist.Zero = 0
	var calls int64
	for j, p := range t.p {
		n := poissonExp(rng, lambda*p, t.expNeg[j])
		into.hist.Counts = append(into.hist.Counts, uint64(n))
		calls += n
	}
	rate := o.errCanary
	if arm == 1 {
		rate = o.errStable
	}
	into.calls = calls
	into.errors = binomial(rng, calls, rate)
}

// perTrace is the calls one trace makes to the operation.
func (o *simOp) perTrace() int64 {
	if o.perReq >= 1 {
		return int64(math.Round(o.perReq))
	}
	return 1
}

// cellOf builds the evidence cell of a drawn count: a trace makes perTrace
// calls, so sum n_t^2 = calls*perTrace; errors are rare and independent, so
// a trace with an error has one (sum e_t^2 = errors, sum n_t e_t =
// errors*perTrace).
func cellOf(calls, errors, perTrace int64, h evidence.Histogram) evidence.Cell {
	return evidence.Cell{
		Calls: calls, Errors: errors,
		TraceCalls2: calls * perTrace, TraceErrors2: errors, TraceCallsErrors: errors * perTrace,
		Latency: h,
	}
}

// sampler thins the stable arm like canary_sampling with stable_percentage
// 10, canary_percentage 100 and keep_errors: error calls are kept with
// probability 1 (stratum th=0), the others with 0.1 (stratum th(0.1)).
type sampler struct {
	stableP float64
	th      uint64
}

func newSampler() *sampler {
	return &sampler{stableP: 0.1, th: evidence.ThresholdOf(0.1)}
}

// thin splits a drawn stable cell into the kept error calls and the kept
// others. The error calls' durations are drawn from the step's histogram.
func (s *sampler) thin(rng *rand.Rand, c *stepCell) (errs, oks evidence.Histogram, okCalls int64) {
	rest := append([]uint64(nil), c.hist.Counts...)
	total := int64(0)
	for _, n := range rest {
		total += int64(n)
	}
	errs = evidence.Histogram{}
	for e := int64(0); e < c.errors && total > 0; e++ {
		k := rng.Int64N(total)
		for j, n := range rest {
			if k < int64(n) {
				rest[j]--
				errs.Add(c.hist.Offset+int32(j), 1)
				break
			}
			k -= int64(n)
		}
		total--
	}
	for j, n := range rest {
		kept := binomial(rng, int64(n), s.stableP)
		oks.Add(c.hist.Offset+int32(j), uint64(kept))
		okCalls += kept
	}
	return errs, oks, okCalls
}

// poisson draws a Poisson count: by inversion (Knuth) for small means,
// a rounded normal for large ones (the counts there are large enough that
// the approximation does not matter to the judge).
func poisson(rng *rand.Rand, lambda float64) int64 {
	return poissonExp(rng, lambda, math.Exp(-lambda))
}

// poissonExp is poisson with exp(-lambda) given.
func poissonExp(rng *rand.Rand, lambda, l float64) int64 {
	if lambda <= 0 {
		return 0
	}
	if lambda > 40 {
		x := math.Round(lambda + math.Sqrt(lambda)*rng.NormFloat64())
		return int64(math.Max(0, x))
	}
	k := int64(0)
	p := rng.Float64()
	for p > l {
		k++
		p *= rng.Float64()
	}
	return k
}

// binomial draws Binomial(n, p) by geometric skips: cost ~ n*p.
func binomial(rng *rand.Rand, n int64, p float64) int64 {
	if n <= 0 || p <= 0 {
		return 0
	}
	if p >= 1 {
		return n
	}
	if p > 0.5 {
		return n - binomial(rng, n, 1-p)
	}
	if mean := float64(n) * p; mean*(1-p) > 40 {
		x := math.Round(mean + math.Sqrt(mean*(1-p))*rng.NormFloat64())
		return int64(math.Min(math.Max(0, x), float64(n)))
	}
	lq := math.Log1p(-p)
	k, pos := int64(0), int64(0)
	for {
		pos += int64(math.Floor(math.Log(1-rng.Float64())/lq)) + 1
		if pos > n {
			return k
		}
		k++
	}
}

func durationOf(s float64) time.Duration { return time.Duration(s * 1e9) }

var armOf = [2]stage.Arm{stage.Canary, stage.Stable}
