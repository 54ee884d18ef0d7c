package judge

import (
	"fmt"
	"math"

	"github.com/canarytrace/canarytrace/internal/evidence"
)

func samplesOf(o *opRun) Samples {
	return Samples{Canary: o.arm[0].observed, Stable: o.arm[1].observed}
}

func enough(s Samples, c Criteria) bool {
	return s.Canary >= c.MinSamples && s.Stable >= c.MinSamples
}

// tailSamples is the number of stable observations a q-quantile check waits
// for besides min_samples: 20 expected beyond the quantile (2,000 for p99).
// The cutoff is read from stable's histogram, and the normal approximation
// of its error needs tail observations. Measured on the at-tolerance
// simulation after the sampler (seed 6, 200 runs): with no such wait 7.0%
// of runs rolled back, with 10 tail observations 6.0%, with 20 5.0%;
// since latencyContrast widens the stable term for the skew of a thin
// tail, 5.0%, 5.0% and 4.5%.
func tailSamples(q float64) int64 {
	return int64(math.Ceil(tailObservations / (1 - q)))
}

const tailObservations = 20

// releaseInflation is the trace-level design effect of the release-level
// cells: operations of one trace can fail together (an error propagating
// from a database call to the server span), which per-operation variances,
// summed over operations as if independent, would miss. It multiplies the
// summed variance; where the operations' own design effects are also above
// 1 this double counts, erring towards caution.
func releaseInflation(est *opRun, latency bool) float64 {
	d := 1.0
	for i := range est.arm {
		m := &est.arm[i].moments
		x := m.errorDesignEffect()
		if latency {
			x = m.callDesignEffect()
		}
		d = math.Max(d, x)
	}
	return d
}

// errorCheck judges the error rate of one operation (strata = itself) or of
// the release (strata = its operations, est = their pooled totals). The
// release's boundary is tuned in effective calls (tunedForRelease), an
// operation's in tolerated errors (tunedForErrors).
func (r *run) errorCheck(est *opRun, strata []*opRun, c Criteria, failA, passA float64, ev *evidence.Evidence) CheckResult {
	res := CheckResult{Operation: est.op, Check: CheckErrorRate, Samples: samplesOf(est)}
	cn, st := &est.arm[0], &est.arm[1]
	res.Canary, res.Stable = ratio(cn.errorsHT, cn.calls), ratio(st.errorsHT, st.calls)
	release := est.op.IsRelease()
	if !enough(res.Samples, c) {
		res.Reason = fmt.Sprintf("%s canary and %s stable samples, %d needed per arm",
			count(float64(res.Samples.Canary)), count(float64(res.Samples.Stable)), c.MinSamples)
		return res
	}
	res.Evaluated = true
	var rel, abs, diff, over, below contrast
	for _, o := range strata {
		a, b, d := errorContrasts(o, c.ErrorRate)
		rel.add(a)
		abs.add(b)
		diff.add(d)
		if release && c.ErrorRate.FailAbove > 0 {
			over.add(canaryRateContrast(o, c.ErrorRate.FailAbove))
		}
		if release && c.ErrorRate.PassBelow > 0 {
			below.add(canaryRateContrast(o, c.ErrorRate.PassBelow))
		}
	}
	if release {
		f := releaseInflation(est, false)
		rel.v, abs.v, diff.v, over.v, below.v = rel.v*f, abs.v*f, diff.v*f, over.v*f, below.v*f
	}
	var also []contrast
	if release && c.ErrorRate.PassBelow > 0 {
		also = append(also, below)
	}
	b := boundariesAt(rel.t, failA, passA, tunedForRelease)
	if !release {
		b = boundariesAt(toleratedErrors(est, c.ErrorRate), failA, passA, tunedForErrors)
	}
	now := decide([]contrast{rel, abs}, []contrast{rel, abs}, also, b)
	overLimit := false
	if release && c.ErrorRate.FailAbove > 0 && decide([]contrast{over}, nil, nil, b) == Fail {
		now, overLimit = Fail, true
	}
	res.Verdict = r.settle(checkID{est.op, CheckErrorRate}, now)
	res.Interval = interval(diff, b.fail)
	res.Reason = fmt.Sprintf("error rate %s vs %s%s, %s vs %s calls, %s confidence",
		percent(res.Canary), percent(res.Stable), times(res.Canary, res.Stable),
		count(cn.calls), count(st.calls), percent(c.Confidence))
	if overLimit {
		res.Reason = fmt.Sprintf("error rate %s above fail_above %s, %s calls, %s confidence",
			percent(res.Canary), percent(c.ErrorRate.FailAbove), count(cn.calls), percent(c.Confidence))
	}
	if res.Verdict == Fail {
		res.Exemplars = exemplarsOf(ev, r.run.Release, strata, func(x evidence.Exemplar) bool { return x.Error })
	}
	return res
}

// latencyCheck judges one quantile of one operation or of the release.
func (r *run) latencyCheck(est *opRun, strata []*opRun, q float64, c Criteria, failA, passA, tunedFor float64, ev *evidence.Evidence) CheckResult {
	name := LatencyCheck(q)
	res := CheckResult{Operation: est.op, Check: name, Samples: samplesOf(est)}
	cn, st := &est.arm[0], &est.arm[1]
	res.Canary, res.Stable = finiteOrZero(cn.histogram.quantile(q)), finiteOrZero(st.histogram.quantile(q))
	res.CanaryBand = cn.histogram.quantileBand(q, res.Samples.Canary, c.Confidence)
	res.StableBand = st.histogram.quantileBand(q, res.Samples.Stable, c.Confidence)
	if !enough(res.Samples, c) {
		res.Reason = fmt.Sprintf("%s canary and %s stable samples, %d needed per arm",
			count(float64(res.Samples.Canary)), count(float64(res.Samples.Stable)), c.MinSamples)
		return res
	}
	if need := tailSamples(q); res.Samples.Stable < need {
		res.Reason = fmt.Sprintf("%s stable samples, %s needed to estimate its p%s",
			count(float64(res.Samples.Stable)), count(float64(need)), trimFloat(q*100))
		return res
	}
	res.Evaluated = true
	t := 0.0
	for _, o := range strata {
		t += o.t
	}
	b := boundariesAt(t, failA, passA, tunedFor)
	var total contrast
	cutoffs := make(map[evidence.Operation]float64, len(strata))
	for _, o := range strata {
		k, y := latencyContrast(o, q, c.Latency.MaxRelativeIncrease, b.fail)
		total.add(k)
		cutoffs[o.op] = y
	}
	if est.op.IsRelease() {
		total.v *= releaseInflation(est, true)
	}
	now := decide([]contrast{total}, []contrast{total}, nil, b)
	res.Verdict = r.settle(checkID{est.op, name}, now)
	res.Interval = interval(total, b.fail)
	res.Reason = fmt.Sprintf("p%s %s vs %s%s, tolerance ×%s, %s vs %s calls, %s confidence",
		trimFloat(q*100), duration(res.Canary), duration(res.Stable), times(res.Canary, res.Stable),
		trimFloat(1+c.Latency.MaxRelativeIncrease), count(cn.calls), count(st.calls), percent(c.Confidence))
	if res.Verdict == Fail {
		for _, o := range strata {
			y := cutoffs[o.op]
			res.Exemplars = append(res.Exemplars, exemplarsOf(ev, r.run.Release, []*opRun{o}, func(x evidence.Exemplar) bool {
				return x.Duration.Seconds() > y
			})...)
		}
		if len(res.Exemplars) > evidence.ExemplarsPerKind {
			res.Exemplars = res.Exemplars[:evidence.ExemplarsPerKind]
		}
	}
	return res
}

// finiteOrZero keeps NaN (no data) out of results that are encoded as JSON.
func finiteOrZero(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}
