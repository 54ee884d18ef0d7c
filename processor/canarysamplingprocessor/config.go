package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"

	"github.com/canarytrace/canarytrace/internal/stage"
)

// Config is the configuration of the canary_sampling processor.
type Config struct {
	// DecisionWait is how long a trace is buffered after its first span
	// arrived before it is decided. Must be positive.
	DecisionWait time.Duration `mapstructure:"decision_wait"`

	// DecideOnRoot decides a trace as soon as its root span (a span with no
	// parent) has arrived, instead of waiting the whole DecisionWait. Spans
	// of the trace that arrive afterwards follow the cached decision but
	// cannot change it (an error reported after the root is not seen by
	// keep_errors). False (the default) always waits DecisionWait.
	DecideOnRoot bool `mapstructure:"decide_on_root"`

	// MaxTraces bounds the number of traces buffered at once. When it is
	// reached, the oldest buffered traces are decided early (counted in
	// processor_canary_sampling_early_decisions) to make room; no trace is
	// dropped without a decision. Must be positive.
	MaxTraces int `mapstructure:"max_traces"`

	// MaxSpansPerTrace bounds the spans buffered for one trace. A trace that
	// reaches it is decided at once on the spans it has (counted as an early
	// decision); its further spans follow the cached decision like late
	// spans. Must be positive.
	MaxSpansPerTrace int `mapstructure:"max_spans_per_trace"`

	// DecisionCache sizes the caches that remember recent decisions, so that
	// spans arriving after their trace was decided follow that decision.
	DecisionCache DecisionCacheConfig `mapstructure:"decision_cache"`

	// Stage says which attribute and values put a span in the canary or the
	// stable arm; the same block as in the canary_analysis connector.
	// Stage.Annotate writes the trace's stage onto its spans that carry no
	// stage attribute of their own.
	Stage stage.Config `mapstructure:"stage"`

	// CanaryPercentage is the percentage (0–100) of the traces that touched
	// canary code, among those reaching this processor, that are kept.
	CanaryPercentage float64 `mapstructure:"canary_percentage"`

	// StablePercentage is the percentage (0–100) of all other traces
	// reaching this processor that are kept.
	StablePercentage float64 `mapstructure:"stable_percentage"`

	// KeepErrors keeps every trace with a span whose status is Error, among
	// the spans that arrived before the trace's decision. False leaves error
	// traces to the percentages.
	KeepErrors bool `mapstructure:"keep_errors"`

	// KeepSlowerThan keeps every trace whose longest span (among those that
	// arrived before the decision) lasted at least this long. Zero turns the
	// rule off.
	KeepSlowerThan time.Duration `mapstructure:"keep_slower_than"`

	_ struct{}
}

// DecisionCacheConfig sizes the two decision caches. Each holds the most
// recent decisions of its kind; a size of zero disables that cache, so late
// spans of such traces are buffered again as new traces (and counted as
// misses).
type DecisionCacheConfig struct {
	// Kept is the number of kept trace IDs remembered, with their threshold.
	Kept int `mapstructure:"kept"`
	// Dropped is the number of dropped trace IDs remembered.
	Dropped int `mapstructure:"dropped"`

	_ struct{}
}

var _ component.Config = (*Config)(nil)

var (
	errNonPositiveDecisionWait  = errors.New("decision_wait must be positive")
	errNonPositiveMaxTraces     = errors.New("max_traces must be positive")
	errNonPositiveMaxSpans      = errors.New("max_spans_per_trace must be positive")
	errNegativeCacheSize        = errors.New("decision_cache sizes must not be negative")
	errCanaryPercentageRange    = errors.New("canary_percentage must be between 0 and 100")
	errStablePercentageRange    = errors.New("stable_percentage must be between 0 and 100")
	errNegativeKeepSlowerThan   = errors.New("keep_slower_than must not be negative (0 turns it off)")
	errTooLargeMaxSpansPerTrace = fmt.Errorf("max_spans_per_trace must be at most %d", maxSpansPerTraceLimit)
)

// maxSpansPerTraceLimit keeps a single trace's buffer within what one
// decision can rebuild without stalling its shard (a trace of 1M spans at
// ~70 B each is 70 MB).
const maxSpansPerTraceLimit = 1_000_000

// Validate checks the configuration; each rule has its own error.
func (cfg *Config) Validate() error {
	if cfg.DecisionWait <= 0 {
		return fmt.Errorf("%w, got %v", errNonPositiveDecisionWait, cfg.DecisionWait)
	}
	if cfg.MaxTraces <= 0 {
		return fmt.Errorf("%w, got %d", errNonPositiveMaxTraces, cfg.MaxTraces)
	}
	if cfg.MaxSpansPerTrace <= 0 {
		return fmt.Errorf("%w, got %d", errNonPositiveMaxSpans, cfg.MaxSpansPerTrace)
	}
	if cfg.MaxSpansPerTrace > maxSpansPerTraceLimit {
		return fmt.Errorf("%w, got %d", errTooLargeMaxSpansPerTrace, cfg.MaxSpansPerTrace)
	}
	if cfg.DecisionCache.Kept < 0 || cfg.DecisionCache.Dropped < 0 {
		return fmt.Errorf("%w, got kept %d, dropped %d", errNegativeCacheSize, cfg.DecisionCache.Kept, cfg.DecisionCache.Dropped)
	}
	if !(cfg.CanaryPercentage >= 0 && cfg.CanaryPercentage <= 100) {
		return fmt.Errorf("%w, got %v", errCanaryPercentageRange, cfg.CanaryPercentage)
	}
	if !(cfg.StablePercentage >= 0 && cfg.StablePercentage <= 100) {
		return fmt.Errorf("%w, got %v", errStablePercentageRange, cfg.StablePercentage)
	}
	if cfg.KeepSlowerThan < 0 {
		return fmt.Errorf("%w, got %v", errNegativeKeepSlowerThan, cfg.KeepSlowerThan)
	}
	return cfg.Stage.Validate()
}
