package judge

import "math"

// latencyContrast turns "canary q-quantile <= (1+r) stable q-quantile" into
// a comparison of proportions: with y = (1+r) Q_s(q) it is
// P_c(X > y) <= 1-q = P_s(X > Q_s(q)). Q_s(q) is estimated from the stable
// arm's step-weighted histogram, so the stable exceedance is 1-q by
// construction, and what stable's sampling noise does to the contrast is
// move the cutoff. By the delta method (the Bahadur representation of a
// sample quantile; Serfling 1980, sec. 2.5) an error in stable's empirical
// CDF at Q_s(q), of binomial variance q(1-q) per call, moves the canary's
// exceedance of y by that error times the density ratio
// rho = (1+r) f_c(y) / f_s(Q_s(q)), so the stable term of the variance is
// rho^2 q(1-q) per stable call. Like the canary's term it is taken at the
// null boundary, where y is the canary's own q-quantile (densityRatio).
// A quantile read from a few tail observations is also skewed towards the
// side that fails a canary (tailSkew). m is the boundary, in standard
// deviations, the contrast will be compared with. The result also returns
// the cutoff y in seconds.
func latencyContrast(o *opRun, q, r, m float64) (contrast, float64) {
	c, s := &o.arm[0], &o.arm[1]
	if o.t <= 0 || !(s.latency.total() > 0) {
		return contrast{}, math.NaN()
	}
	qs := s.latency.quantile(q)
	y := (1 + r) * qs
	ec := c.latency.above(y)
	es := s.latency.above(qs)
	ps := es / o.t
	null := floorRate(ps, c.observed)
	rho := densityRatio(o, q, r)
	skew := tailSkew((1-q)*effectiveCalls(s), m)
	return contrast{
		s: ec - es,
		v: bernoulliVar(null)*c.moments.callDesignEffect()*c.kish +
			rho*rho*skew*bernoulliVar(floorRate(ps, s.observed))*s.moments.callDesignEffect()*s.kish,
		t: o.t,
	}, y
}

// densityRatio estimates rho = (1+r) f_c(y) / f_s(Q_s(q)) for the variance
// of latencyContrast at the null boundary, where y = (1+r) Q_s(q) is the
// canary's q-quantile: the ratio of the arms' densities at their own
// q-quantiles, each estimated by the spacing of its quantiles q-h and q+h
// (Siddiqui 1960; Bloch and Gastwirth 1968), so rho = (1+r) (Q_s(q+h) -
// Q_s(q-h)) / (Q_c(q+h) - Q_c(q-h)). A canary that is stable scaled by
// 1+r has rho = 1; one whose regression is a slow tail has its quantile
// inside that tail, where the quantiles are far apart (rho about 0.3 for
// 2% of calls at 300 ms against a 50 ms p99), and the stable quantile's
// noise then barely matters — which is what lets a test after the sampler,
// where stable keeps a tenth of its calls, be as quick as one beside it.
// The band holds as many calls as lie beyond the quantile, and at most a
// tenth of all calls: h = min(q, 1-q, 0.1)/2 (0.985-0.995 for p99,
// 0.45-0.55 for p50). A spacing estimated from m calls has a relative standard error of
// about 1/sqrt(m); rho is taken one standard error up, so a band that few
// calls have reached yet errs towards the larger variance. It is 1 (the
// scale family) when a band is empty.
func densityRatio(o *opRun, q, r float64) float64 {
	c, s := &o.arm[0], &o.arm[1]
	h := math.Min(math.Min(q, 1-q), 0.1) / 2
	ds := s.latency.quantile(q+h) - s.latency.quantile(q-h)
	dc := c.latency.quantile(q+h) - c.latency.quantile(q-h)
	nc, ns := effectiveCalls(c), effectiveCalls(s)
	if !(ds > 0) || !(dc > 0) || !(nc > 0) || !(ns > 0) {
		return 1
	}
	se := math.Sqrt(1/(2*h*nc) + 1/(2*h*ns))
	return (1 + r) * ds / dc * (1 + se)
}

// effectiveCalls is the number of independent calls the arm's
// step-weighted histogram is worth (Kish's effective sample size, with the
// trace as the unit): a share p read from it has variance p(1-p)/n.
func effectiveCalls(a *armRun) float64 {
	tot := a.latency.total()
	d := a.kish * a.moments.callDesignEffect()
	if !(tot > 0) || !(d > 0) {
		return 0
	}
	return tot * tot / d
}

// tailSkew is the factor on the stable quantile's variance that makes the
// normal approximation reach, m standard deviations out, as far as the
// skewed distribution it stands for. The true share of calls beyond a
// quantile estimated from k observations beyond it is k/n times a
// Gamma(k, 1)/k variable, whose upper tail is longer than the normal's:
// at m standard deviations it reaches (1 - 1/(9k) + m/(3 sqrt k))^3
// (Wilson and Hilferty 1931) instead of 1 + m/sqrt k. That side is the one
// that fails a canary (stable's quantile read too low puts more canary
// calls above the cutoff), so the stable term is widened by the squared
// ratio of the two reaches: 1.7 at 20 tail observations and m = 4, 1.2
// at 200, tending to 1. It is 1 for a boundary that is not finite.
func tailSkew(k, m float64) float64 {
	if !(m > 0) || math.IsInf(m, 1) {
		return 1
	}
	k = math.Max(k, 1)
	reach := math.Pow(1-1/(9*k)+m/(3*math.Sqrt(k)), 3) - 1
	return math.Max(1, math.Pow(reach*math.Sqrt(k)/m, 2))
}
