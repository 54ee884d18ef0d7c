package judge

import (
	"math"

	"github.com/canarytrace/canarytrace/internal/judge/confseq"
)

// boundaries are a check's fail and pass boundaries in standard deviations
// at its effective sample size: every contrast of a check shares t.
type boundaries struct {
	fail, pass float64
}

func boundariesAt(t, failA, passA, tunedFor float64) boundaries {
	f := confseq.New(failA, tunedFor).Multiplier(t)
	p := f
	if passA != failA {
		p = confseq.New(passA, tunedFor).Multiplier(t)
	}
	return boundaries{fail: f, pass: p}
}

// above reports whether c's running sum is beyond m standard deviations.
func above(c contrast, m float64) bool {
	return c.v > 0 && c.s > m*math.Sqrt(c.v)
}

// decide compares contrasts with the anytime-valid boundary. A check fails
// when every contrast in fails is shown > 0 (an intersection-union test:
// each at the full level; Berger 1982), and passes when any contrast in
// passes is shown < 0 — and every contrast in also is (pass_below, an extra
// requirement).
func decide(fails, passes, also []contrast, b boundaries) Verdict {
	failed := len(fails) > 0
	for _, c := range fails {
		if !above(c, b.fail) {
			failed = false
			break
		}
	}
	if failed {
		return Fail
	}
	for _, c := range also {
		if !above(neg(c), b.pass) {
			return Inconclusive
		}
	}
	for _, c := range passes {
		if above(neg(c), b.pass) {
			return Pass
		}
	}
	return Inconclusive
}

func neg(c contrast) contrast { c.s = -c.s; return c }

// interval is the confidence-sequence interval of the mean contrast S/t at
// m standard deviations.
func interval(c contrast, m float64) [2]float64 {
	if c.t <= 0 || math.IsInf(m, 1) || !(c.v > 0) {
		return [2]float64{}
	}
	r := m * math.Sqrt(c.v)
	return [2]float64{(c.s - r) / c.t, (c.s + r) / c.t}
}
