package judge

import "github.com/canarytrace/canarytrace/internal/evidence"

// Verdict is a check's outcome.
type Verdict int8

const (
	// Inconclusive: not enough evidence either way (or not evaluated yet).
	Inconclusive Verdict = 0
	// Pass: the canary is shown, with the configured confidence, to be within
	// the tolerance.
	Pass Verdict = 1
	// Fail: the canary is shown, with the configured confidence, to be worse
	// than the tolerance.
	Fail Verdict = -1
)

// String returns "pass", "fail" or "inconclusive".
func (v Verdict) String() string {
	switch v {
	case Pass:
		return "pass"
	case Fail:
		return "fail"
	default:
		return "inconclusive"
	}
}

// Release returns the release-level word: "promote", "rollback" or
// "inconclusive". The canary.verdict gauge value is int(v).
func (v Verdict) Release() string {
	switch v {
	case Pass:
		return "promote"
	case Fail:
		return "rollback"
	default:
		return "inconclusive"
	}
}

// Samples are the observed (not adjusted) spans of each arm in a check.
type Samples struct {
	Canary int64
	Stable int64
}

// CheckResult is one check of a release or of one of its operations.
type CheckResult struct {
	// Operation is zero for a release-level check.
	Operation evidence.Operation
	// Check is "error_rate" or "latency_p<q>".
	Check   string
	Verdict Verdict
	// Canary and Stable are the Horvitz-Thompson estimates of the run: the
	// error rate, or the quantile in seconds; 0 without data.
	Canary float64
	Stable float64
	// Interval is the anytime-valid confidence interval, at the check's share
	// of the confidence budget, of the tested difference:
	//   error_rate:  canary minus stable error rate (stratified by step, and
	//                by operation at the release level);
	//   latency_pQ:  the share of canary calls slower than (1+r) x stable's
	//                Q-quantile minus the share of stable calls slower than
	//                that quantile (1-Q); > 0 means the canary's quantile is
	//                beyond tolerance.
	// Zero until the check is evaluated.
	Interval [2]float64
	// CanaryBand and StableBand are pointwise bounds of each arm's latency
	// quantile estimate, in seconds, at the configured confidence (order
	// statistics of the observed calls), for charts; zero for error_rate
	// checks and without calls.
	CanaryBand, StableBand [2]float64
	Samples                Samples
	// Evaluated is false while the check waits for samples (min_samples
	// per arm; for latency also stable tail observations): its verdict is
	// then inconclusive and it does not count in the score.
	Evaluated bool
	Reason    string
	// Exemplars are canary trace IDs (hex) for failing checks: recent error
	// traces for error_rate, the slowest traces beyond the tolerated latency
	// for latency checks.
	Exemplars []string
}

// ReleaseVerdict is the judgement of one release's run.
type ReleaseVerdict struct {
	Release evidence.Release
	// Run is the run id "service@version@startstep".
	Run string
	// Verdict is Pass (promote), Fail (rollback) or Inconclusive.
	Verdict Verdict
	// Score is 0-100: the share of evaluated checks that pass; 0 while no
	// check is evaluated.
	Score  float64
	Reason string
	// Since is the step the current verdict was first reached.
	Since evidence.Step
	// Step is the last step judged.
	Step   evidence.Step
	Checks []CheckResult
}
