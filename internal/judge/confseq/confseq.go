// Package confseq holds the anytime-valid boundary the judge compares its
// running statistics with: a one-sided normal-mixture (Robbins) boundary,
// used as an asymptotic confidence sequence.
//
// A sum S_t of zero-mean increments with variance process V_t stays below
// this boundary at every time with probability at least 1-alpha, however
// often it is looked at and whenever one stops (Robbins 1970; Howard,
// Ramdas, McAuliffe and Sekhon, "Time-uniform, nonparametric, nonasymptotic
// confidence sequences", Ann. Statist. 2021, sec. 3.2). With V_t estimated
// from the data the guarantee is asymptotic (Waudby-Smith, Arbour, Sinha,
// Kennedy and Ramdas, "Time-uniform central limit theory and asymptotic
// confidence sequences", Ann. Statist. 2024): that is how the judge uses it,
// and why its guarantees are also checked by simulation.
//
// It is pure: no pdata, no collector imports.
package confseq

import "math"

// Boundary is a one-sided normal-mixture boundary at level Alpha, tuned to
// be tightest when the effective sample size is TunedFor.
type Boundary struct {
	alpha float64
	// m is the mixture's precision in effective-sample units: mixing the
	// exponential supermartingale exp(l*S - l^2*V/2) over l ~ N+(0, 1/rho)
	// with rho = sigma^2*m.
	m float64
}

// New returns the boundary at level alpha in (0, 1) tuned for an effective
// sample size tunedFor > 0. The tuning rho = v*/(2 log(1/alpha) +
// log(1+2 log(1/alpha))) minimises the boundary's width at v* (Howard et
// al. 2021, eq. (3.6); Waudby-Smith et al. 2024, sec. 2.5). Tuning changes
// where the boundary is tight, never its validity.
func New(alpha, tunedFor float64) Boundary {
	l := math.Log(1 / alpha)
	return Boundary{alpha: alpha, m: tunedFor / (2*l + math.Log(1+2*l))}
}

// Alpha returns the boundary's level.
func (b Boundary) Alpha() float64 { return b.alpha }

// Radius returns the boundary for a running sum with estimated variance v
// after an effective sample size t: the sum exceeds it with probability at
// most alpha, at any time. It is +Inf when t <= 0 or v is not positive and
// finite: no evidence, no conclusion.
func (b Boundary) Radius(v, t float64) float64 {
	if !(v > 0) || math.IsInf(v, 1) {
		return math.Inf(1)
	}
	return b.Multiplier(t) * math.Sqrt(v)
}

// Multiplier returns Radius(v, t)/sqrt(v): the boundary in standard
// deviations, which depends on t only, so contrasts sharing t share it.
func (b Boundary) Multiplier(t float64) float64 {
	if !(t > 0) {
		return math.Inf(1)
	}
	x := t / b.m
	return MixtureZ(x, b.alpha) * math.Sqrt(1+1/x)
}

// MixtureZ returns the z >= 0 at which the one-sided normal mixture
//
//	M(z) = 2 (1+x)^(-1/2) exp(z^2/2) Phi(z)
//
// reaches 1/alpha, where x = V/rho is intrinsic time over the mixture
// variance and z = S/sqrt(V+rho). M is the half-normal mixture of
// exp(l S - l^2 V/2); by Ville's inequality it exceeds 1/alpha with
// probability at most alpha (Howard et al. 2021, Prop. 6 and sec. 3.2).
func MixtureZ(x, alpha float64) float64 {
	if !(x >= 0) || !(alpha > 0 && alpha < 1) {
		return math.NaN()
	}
	target := math.Log(1/alpha) + 0.5*math.Log1p(x) - math.Ln2
	// The root solves z = sqrt(2 (target - log Phi(z))). The right side is
	// decreasing in z with slope -(phi/Phi)/z, small beyond z ~ 1, so the
	// fixed-point iteration converges in a few steps; log Phi(z) is nearly 0
	// at the boundaries that matter (z > 2), so the start is nearly exact.
	z := math.Sqrt(2 * target)
	for i := 0; i < 100; i++ {
		next := math.Sqrt(2 * (target - logPhi(z)))
		if math.Abs(next-z) < 1e-9*(1+z) {
			return next
		}
		z = next
	}
	return z
}

func logPhi(z float64) float64 { return math.Log(0.5 * math.Erfc(-z/math.Sqrt2)) }
