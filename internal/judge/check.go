package judge

import (
	"github.com/canarytrace/canarytrace/internal/judge/confseq"
)

// decide compares contrasts with the anytime-valid boundary. A check fails
// when every contrast in fails is shown > 0 at level failAlpha (an
// intersection-union test: each at the full level; Berger 1982), and passes
// when any contrast in passes is shown < 0 at level passAlpha — and every
// contrast in also is (pass_below, an extra requirement).
func decide(fails, passes, also []contrast, failAlpha, passAlpha, tunedFor float64) Verdict {
	bf := confseq.New(failAlpha, tunedFor)
	failed := len(fails) > 0
	for _, c := range fails {
		if !(c.s > bf.Radius(c.v, c.t)) {
			failed = false
			break
		}
	}
	if failed {
		return Fail
	}
	bp := confseq.New(passAlpha, tunedFor)
	for _, c := range also {
		if !(-c.s > bp.Radius(c.v, c.t)) {
			return Inconclusive
		}
	}
	for _, c := range passes {
		if -c.s > bp.Radius(c.v, c.t) {
			return Pass
		}
	}
	return Inconclusive
}

// interval is the confidence-sequence interval of the mean contrast S/t.
func interval(c contrast, alpha, tunedFor float64) [2]float64 {
	if c.t <= 0 {
		return [2]float64{}
	}
	r := confseq.New(alpha, tunedFor).Radius(c.v, c.t)
	return [2]float64{(c.s - r) / c.t, (c.s + r) / c.t}
}
