package judge

import (
	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/stage"
)

// armStep is one arm of one operation at one step, over its sampling strata.
type armStep struct {
	calls, errors float64 // Horvitz-Thompson: sum over strata of adjusted count x observed
	kish          float64 // sum over strata of adjusted count^2 x observed spans
	// ee, ne, nn: sum over strata of adjusted count^2 x the trace moments.
	ee, ne, nn float64
	observed   int64
	cells      []stratumCell
}

type stratumCell struct {
	adjusted float64
	cell     *evidence.Cell
}

func (a *armStep) add(k evidence.CellKey, c *evidence.Cell) {
	w := evidence.AdjustedCount(k.Threshold)
	a.calls += w * float64(c.Calls)
	a.errors += w * float64(c.Errors)
	a.kish += w * w * float64(c.Calls)
	a.ee += w * w * float64(c.TraceErrors2)
	a.ne += w * w * float64(c.TraceCallsErrors)
	a.nn += w * w * float64(c.TraceCalls2)
	a.observed += c.Calls
	a.cells = append(a.cells, stratumCell{w, c})
}

// moments are a run's trace-level second moments, each observed quantity
// multiplied by its squared adjusted count: the ingredients of the
// linearised variance of a Horvitz-Thompson ratio with the trace as the
// unit, sum over kept traces of ((e_t - R n_t)/p_t)^2 (Sarndal, Swensson
// and Wretman, Model Assisted Survey Sampling, 1992, sec. 5.6).
type moments struct {
	n, e          float64 // sum a^2 * calls, sum a^2 * errors
	nn, ee, ne    float64 // sum a^2 * n_t^2, e_t^2, n_t*e_t
	calls, errors float64 // Horvitz-Thompson totals
}

func (m *moments) add(w float64, c *evidence.Cell) {
	w2 := w * w
	m.n += w2 * float64(c.Calls)
	m.e += w2 * float64(c.Errors)
	m.nn += w2 * float64(c.TraceCalls2)
	m.ee += w2 * float64(c.TraceErrors2)
	m.ne += w2 * float64(c.TraceCallsErrors)
	m.calls += w * float64(c.Calls)
	m.errors += w * float64(c.Errors)
}

// errorDesignEffect is the variance of the error rate with the trace as the
// unit over its variance with the span as the unit (Kish's design effect),
// at least 1: errors of one trace travel together.
func (m *moments) errorDesignEffect() float64 {
	if m.calls <= 0 {
		return 1
	}
	r := m.errors / m.calls
	num := m.ee - 2*r*m.ne + r*r*m.nn
	den := m.e - 2*r*m.e + r*r*m.n
	if den <= 0 || num <= den {
		return 1
	}
	return num / den
}

// callDesignEffect bounds the design effect of any per-call proportion (a
// latency exceedance) by assuming the calls of a trace are alike:
// sum n_t^2 / sum n_t.
func (m *moments) callDesignEffect() float64 {
	if m.n <= 0 || m.nn <= m.n {
		return 1
	}
	return m.nn / m.n
}

// armRun accumulates one arm of one operation over the folded steps.
//
// The judge compares the arms within each step k and combines the steps
// with the Cochran-Mantel-Haenszel weight w_k = X_c X_s/(X_c+X_s) (X: the
// arm's estimated calls at step k; Mantel and Haenszel 1959; for risk
// differences Greenland and Robins 1985). Everything it needs is linear in
// per-step quantities once w_k is fixed, so each step is folded once:
type armRun struct {
	// errors and latency: sum_k (w_k/X_k) * (estimated errors, histogram) —
	// the numerators of the step-stratified rate and exceedance.
	errors  float64
	latency weightedHistogram
	// kish: sum_k w_k^2 * sum_h a_h^2 N_h / X_k^2 = sum_k w_k^2 / n_eff,k;
	// a per-call variance p(1-p) times kish is the variance of the weighted
	// sum (Kish's effective sample size for unequal weights).
	kish float64
	// linEE, linNE, linNN: sum_k (w_k/X_k)^2 * the step's adjusted trace
	// moments. With a rate R, linEE - 2R linNE + R^2 linNN is the
	// linearised Horvitz-Thompson variance of the weighted error-rate sum
	// with the trace as the unit: sum over kept traces of
	// ((e_t - R n_t)/p_t)^2 (Sarndal et al. 1992, 5.6). Unlike Kish's
	// effective size it is right when the keep probability depends on the
	// outcome (errors kept with p = 1, the rest at 10%).
	linEE, linNE, linNN float64
	// Run totals for the estimates shown to people (Horvitz-Thompson).
	calls, errorsHT float64
	histogram       weightedHistogram
	observed        int64
	moments         moments
}

// opRun is one operation of a run.
type opRun struct {
	op   evidence.Operation
	rank int     // 1-based order of discovery: its share of the guard budget
	t    float64 // sum_k w_k: the effective sample size of the comparison
	arm  [2]armRun
}

func armIndex(a stage.Arm) int {
	if a == stage.Canary {
		return 0
	}
	return 1
}

// fold adds one step of this operation.
func (o *opRun) fold(steps *[2]armStep) {
	c, s := &steps[0], &steps[1]
	w := 0.0
	if c.calls > 0 && s.calls > 0 {
		w = c.calls * s.calls / (c.calls + s.calls)
	}
	o.t += w
	for i := range steps {
		st, a := &steps[i], &o.arm[i]
		a.calls += st.calls
		a.errorsHT += st.errors
		a.observed += st.observed
		for _, sc := range st.cells {
			a.histogram.addScaled(&sc.cell.Latency, sc.adjusted)
			a.moments.add(sc.adjusted, sc.cell)
		}
		if w == 0 {
			continue
		}
		f := w / st.calls
		a.errors += f * st.errors
		a.kish += f * f * st.kish
		a.linEE += f * f * st.ee
		a.linNE += f * f * st.ne
		a.linNN += f * f * st.nn
		for _, sc := range st.cells {
			a.latency.addScaled(&sc.cell.Latency, f*sc.adjusted)
		}
	}
}
