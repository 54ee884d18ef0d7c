package judge

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Criteria are a release's tolerances and the confidence of its verdicts:
// the `confidence`, `min_samples`, `error_rate` and `latency` keys of the
// canary_analysis and canary_verdict configuration (squash it into a
// component Config).
type Criteria struct {
	// Confidence is 1 - the bound on the chance that a release ever rolls
	// back while its canary is within tolerance on every check, however long
	// it runs and however often it is judged. Default 0.95.
	Confidence float64 `mapstructure:"confidence"`
	// MinSamples is the number of observed spans each arm needs in a check
	// before the check is evaluated (it is inconclusive before). Default 100.
	MinSamples int64 `mapstructure:"min_samples"`
	// ErrorRate is the error-rate tolerance.
	ErrorRate ErrorRateCriteria `mapstructure:"error_rate"`
	// Latency is the latency-quantile tolerance.
	Latency LatencyCriteria `mapstructure:"latency"`

	_ struct{}
}

// ErrorRateCriteria tolerate a canary error rate within either bound:
// stable*(1+MaxRelativeIncrease) or stable+MaxAbsoluteIncrease.
type ErrorRateCriteria struct {
	// MaxRelativeIncrease: 0.5 tolerates 1.5x the stable rate. Default 0.5.
	MaxRelativeIncrease float64 `mapstructure:"max_relative_increase"`
	// MaxAbsoluteIncrease: 0.001 tolerates 0.1 percentage point more than
	// stable. Default 0.001.
	MaxAbsoluteIncrease float64 `mapstructure:"max_absolute_increase"`
	// FailAbove fails the release when the canary's error rate is shown to be
	// above it; 0 (default) is off.
	FailAbove float64 `mapstructure:"fail_above"`
	// PassBelow is required, besides the relative tolerance, for the
	// release-level check to pass: the canary's error rate must be shown to
	// be below it; 0 (default) is off.
	PassBelow float64 `mapstructure:"pass_below"`

	_ struct{}
}

// LatencyCriteria tolerate a canary quantile up to stable*(1+MaxRelativeIncrease).
type LatencyCriteria struct {
	// Quantiles are checked, each a check "latency_p<100q>". Default [0.5, 0.99].
	Quantiles []float64 `mapstructure:"quantiles"`
	// MaxRelativeIncrease: 0.2 tolerates a canary quantile 1.2x stable's.
	// Default 0.2.
	MaxRelativeIncrease float64 `mapstructure:"max_relative_increase"`

	_ struct{}
}

// DefaultCriteria returns the documented defaults.
func DefaultCriteria() Criteria {
	return Criteria{
		Confidence: 0.95,
		MinSamples: 100,
		ErrorRate:  ErrorRateCriteria{MaxRelativeIncrease: 0.5, MaxAbsoluteIncrease: 0.001},
		Latency:    LatencyCriteria{Quantiles: []float64{0.5, 0.99}, MaxRelativeIncrease: 0.2},
	}
}

var (
	ErrConfidence       = errors.New("confidence must be in [0.5, 1)")
	ErrMinSamples       = errors.New("min_samples must be at least 1")
	ErrRelativeIncrease = errors.New("max_relative_increase must be finite and >= 0")
	ErrAbsoluteIncrease = errors.New("error_rate.max_absolute_increase must be in [0, 1)")
	ErrFailAbove        = errors.New("error_rate.fail_above must be in [0, 1) (0 = off)")
	ErrPassBelow        = errors.New("error_rate.pass_below must be in [0, 1] (0 = off)")
	ErrQuantile         = errors.New("latency.quantiles must be in (0, 1), increasing, at most 8")
)

// Validate reports the first rule the criteria break.
func (c Criteria) Validate() error {
	if !(c.Confidence >= 0.5 && c.Confidence < 1) {
		return fmt.Errorf("%w, got %v", ErrConfidence, c.Confidence)
	}
	if c.MinSamples < 1 {
		return fmt.Errorf("%w, got %d", ErrMinSamples, c.MinSamples)
	}
	if !finiteNonNegative(c.ErrorRate.MaxRelativeIncrease) {
		return fmt.Errorf("error_rate.%w, got %v", ErrRelativeIncrease, c.ErrorRate.MaxRelativeIncrease)
	}
	if !(c.ErrorRate.MaxAbsoluteIncrease >= 0 && c.ErrorRate.MaxAbsoluteIncrease < 1) {
		return fmt.Errorf("%w, got %v", ErrAbsoluteIncrease, c.ErrorRate.MaxAbsoluteIncrease)
	}
	if !(c.ErrorRate.FailAbove >= 0 && c.ErrorRate.FailAbove < 1) {
		return fmt.Errorf("%w, got %v", ErrFailAbove, c.ErrorRate.FailAbove)
	}
	if !(c.ErrorRate.PassBelow >= 0 && c.ErrorRate.PassBelow <= 1) {
		return fmt.Errorf("%w, got %v", ErrPassBelow, c.ErrorRate.PassBelow)
	}
	if !finiteNonNegative(c.Latency.MaxRelativeIncrease) {
		return fmt.Errorf("latency.%w, got %v", ErrRelativeIncrease, c.Latency.MaxRelativeIncrease)
	}
	if len(c.Latency.Quantiles) > 8 {
		return fmt.Errorf("%w, got %d quantiles", ErrQuantile, len(c.Latency.Quantiles))
	}
	for i, q := range c.Latency.Quantiles {
		if !(q > 0 && q < 1) || i > 0 && q <= c.Latency.Quantiles[i-1] {
			return fmt.Errorf("%w, got %v", ErrQuantile, c.Latency.Quantiles)
		}
	}
	return nil
}

func finiteNonNegative(x float64) bool { return x >= 0 && !math.IsInf(x, 1) }

// Check names.
const (
	CheckErrorRate = "error_rate"
	CheckOverall   = "overall"
)

// LatencyCheck returns the name of the check of quantile q: "latency_p99",
// "latency_p99.9".
func LatencyCheck(q float64) string {
	return "latency_p" + strconv.FormatFloat(math.Round(q*1e6)/1e4, 'f', -1, 64)
}
