package judge

import "math"

// contrast is a step-stratified comparison ready for the boundary: the
// running sum S = sum_k w_k d_k of per-step contrasts, its estimated
// variance V, and the effective sample size t = sum_k w_k (so S/t is the
// weighted mean contrast). Release-level contrasts add those of their
// operations: operations are strata too.
type contrast struct {
	s, v, t float64
}

func (c *contrast) add(o contrast) { c.s += o.s; c.v += o.v; c.t += o.t }

// bernoulliVar is p(1-p) at the least favourable rate not above p: a rate
// tested against a null boundary p can have no larger variance under the
// null (p(1-p) peaks at 1/2).
func bernoulliVar(p float64) float64 {
	p = math.Min(math.Max(p, 0), 0.5)
	return p * (1 - p)
}

// floorRate keeps a rate used in a variance at one event in the canary's
// sample at least: with no event seen, a plug-in rate of 0 would claim a
// certainty no finite sample has (a rule-of-one floor, in the spirit of
// Agresti and Caffo 2000).
func floorRate(p float64, observed int64) float64 {
	if observed < 1 {
		observed = 1
	}
	return math.Max(p, 1/float64(observed))
}

// rateContrast tests canary rate <= scale*stable rate + shift at the step
// level: d_k = p_c,k - scale*p_s,k - shift. The canary's variance is
// evaluated at the null boundary, rate scale*p_s+shift (the restricted,
// score-type variance of Farrington and Manning 1990 and Miettinen and
// Nurminen 1985, with the stable arm's estimate standing in for the
// restricted MLE since stable has far more calls): it is correct exactly
// where the test's level is decided, and unlike the plug-in (Wald) variance
// it does not vanish when the canary has had no event yet. Stable, large,
// gets its linearised variance at its own rate, which also credits errors
// kept with probability 1 after the sampler.
func rateContrast(o *opRun, canaryNum, stableNum, scale, shift, deffC float64) contrast {
	c, s := &o.arm[0], &o.arm[1]
	if o.t <= 0 {
		return contrast{}
	}
	ps := stableNum / o.t
	null := floorRate(scale*ps+shift, c.observed)
	return contrast{
		s: canaryNum - scale*stableNum - shift*o.t,
		v: bernoulliVar(null)*deffC*c.kish + scale*scale*s.linearVariance(floorRate(ps, s.observed)),
		t: o.t,
	}
}

// linearVariance is the linearised variance of the arm's weighted error
// sum at rate r, never negative.
func (a *armRun) linearVariance(r float64) float64 {
	return math.Max(0, a.linEE-2*r*a.linNE+r*r*a.linNN)
}

// canaryRateContrast tests canary rate <= bound (fail_above, pass_below),
// the variance again at the null boundary.
func canaryRateContrast(o *opRun, bound float64) contrast {
	c := &o.arm[0]
	if o.t <= 0 {
		return contrast{}
	}
	return contrast{
		s: c.errors - bound*o.t,
		v: bernoulliVar(floorRate(bound, c.observed)) * c.moments.errorDesignEffect() * c.kish,
		t: o.t,
	}
}

// errorContrasts returns the relative contrast p_c - (1+r) p_s, the
// absolute one p_c - p_s - a, and the plain difference p_c - p_s (for the
// interval shown).
func errorContrasts(o *opRun, cr ErrorRateCriteria) (rel, abs, diff contrast) {
	c, s := &o.arm[0], &o.arm[1]
	dc := c.moments.errorDesignEffect()
	rel = rateContrast(o, c.errors, s.errors, 1+cr.MaxRelativeIncrease, 0, dc)
	abs = rateContrast(o, c.errors, s.errors, 1, cr.MaxAbsoluteIncrease, dc)
	diff = rateContrast(o, c.errors, s.errors, 1, 0, dc)
	return rel, abs, diff
}

// toleratedErrors is the operation's intrinsic time for its error-rate
// boundary: the errors a canary exactly at tolerance would have made in the
// comparison so far, t x max(stable rate (1+r), stable rate + a). It is the
// variance of the canary's error count at the null (each error a rare,
// nearly independent event), so it measures the information of the test
// whatever the rate. The rate is floored like the variances' (floorRate).
func toleratedErrors(o *opRun, cr ErrorRateCriteria) float64 {
	if o.t <= 0 {
		return 0
	}
	ps := o.arm[1].errors / o.t
	tol := math.Max((1+cr.MaxRelativeIncrease)*ps, ps+cr.MaxAbsoluteIncrease)
	return o.t * floorRate(tol, o.arm[0].observed)
}
