package canaryanalysisconnector

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"

	"github.com/canarytrace/canarytrace/internal/judge"
	"github.com/canarytrace/canarytrace/internal/stage"
)

// Config is the `canary_analysis` connector's configuration.
type Config struct {
	// Stage says which attribute values mark the canary and stable arms; the
	// same block, with the same defaults, as canary_sampling's.
	Stage stage.Config `mapstructure:"stage"`
	// Dimensions are what makes an "operation": the first must be
	// service.name; span.name and span.kind are the span's own fields; any
	// other key is read from the span's attributes, then its resource's.
	// Default [service.name, span.name, span.kind].
	Dimensions []string `mapstructure:"dimensions"`
	// Errors says what counts as an error.
	Errors ErrorsConfig `mapstructure:"errors"`
	// Interval is the evaluation step in span (event) time: evidence is
	// stratified by it and the judge re-judges at every step. Default 10s.
	Interval time.Duration `mapstructure:"interval"`
	// Window is the span-time window of the canary.error_rate and
	// canary.latency gauges; a multiple of Interval. Default 5m.
	Window time.Duration `mapstructure:"window"`
	// Criteria are the tolerances and confidence of the verdicts, the keys
	// confidence, min_samples, error_rate{max_relative_increase,
	// max_absolute_increase, fail_above, pass_below} and
	// latency{quantiles, max_relative_increase}; see internal/judge for
	// their meaning and defaults.
	judge.Criteria `mapstructure:",squash"`
	// MaxSeries caps the operations tracked (each counts once for both
	// arms). Spans of further operations are counted under the operation
	// "_overflow" of their service. Default 5000.
	MaxSeries int `mapstructure:"max_series"`
	// TraceCacheEntries sizes the recent-trace cache that keeps the trace,
	// not the span, as the statistical unit (8 bytes an entry; a power of
	// two, at least 8). A trace's spans that reach the connector further
	// apart than the cache holds count as separate traces, which
	// understates clustering: raise it when
	// otelcol_connector_canary_analysis_trace_cache_evictions grows about
	// as fast as spans at high span rates per instance. The default, 32,768
	// (256 KiB), keeps clustering within 1% of exact at ~6,500 spans/s.
	TraceCacheEntries int `mapstructure:"trace_cache_entries"`
	// Temporality of canary.calls and canary.duration: "cumulative" (the
	// default) or "delta". Gauges have none; evidence is always delta.
	Temporality string `mapstructure:"temporality"`
	// AllowedLateness is how long after the latest span end time a step is
	// held open: at least the sampler's decision_wait when the connector
	// is placed after canary_sampling. Default 30s.
	AllowedLateness time.Duration `mapstructure:"allowed_lateness"`
	// UseWallClock lets the wall clock advance the watermark, so steps are
	// judged when no spans arrive. false follows span time only, like
	// `canarytrace backtest`: for replays and simulated clocks (canarygen
	// --simulated-clock) whose timestamps run faster than, or far from, the
	// wall clock. Default true.
	UseWallClock bool `mapstructure:"use_wall_clock"`
	// MaxFutureSkew: end timestamps further than this ahead of the wall
	// clock are ignored for the watermark (the spans still count as
	// evidence). Default 1m.
	MaxFutureSkew time.Duration `mapstructure:"max_future_skew"`
	// Exemplars is how many canary trace IDs a failing check names.
	// 0 turns exemplars off. Default 4.
	Exemplars int `mapstructure:"exemplars"`
	// ExportEvidence emits the canary.evidence.* metrics that the
	// canary_verdict exporter merges across instances. Default true; turn it
	// off when this instance's own verdicts are all you need.
	ExportEvidence bool `mapstructure:"export_evidence"`
	// ReleaseExpiry ends a run when no canary span of the release has ended
	// for this long in span time; its state is freed and a later canary of
	// the same version starts a new run. Default 1h.
	ReleaseExpiry time.Duration `mapstructure:"release_expiry"`

	_ struct{}
}

// ErrorsConfig says what counts as an error span.
type ErrorsConfig struct {
	// SpanStatus: a span with status Error is an error. Default true.
	SpanStatus bool `mapstructure:"span_status"`
	// HTTPServer5xx: a server span whose http.response.status_code (or
	// legacy http.status_code) is 5xx is an error. Default true.
	HTTPServer5xx bool `mapstructure:"http_server_5xx"`
}

var _ component.Config = (*Config)(nil)

// Temporality values.
const (
	temporalityCumulative = "cumulative"
	temporalityDelta      = "delta"
)

var (
	ErrDimensions          = errors.New("dimensions must start with service.name and not repeat a key")
	ErrInterval            = errors.New("interval must be positive")
	ErrWindow              = errors.New("window must be a positive multiple of interval")
	ErrMaxSeries           = errors.New("max_series must be at least 1")
	ErrTraceCacheEntries   = errors.New("trace_cache_entries must be a power of two, at least 8")
	ErrTemporality         = errors.New(`temporality must be "cumulative" or "delta"`)
	ErrAllowedLateness     = errors.New("allowed_lateness must not be negative")
	ErrMaxFutureSkew       = errors.New("max_future_skew must be positive")
	ErrExemplars           = errors.New("exemplars must not be negative")
	ErrReleaseExpiry       = errors.New("release_expiry must be longer than allowed_lateness plus interval")
	ErrNothingCountsAsFail = errors.New("errors: at least one of span_status and http_server_5xx must be true")
)

// Validate reports the first rule the configuration breaks.
func (c *Config) Validate() error {
	if err := c.Stage.Validate(); err != nil {
		return err
	}
	if len(c.Dimensions) == 0 || c.Dimensions[0] != attrServiceName || hasDuplicate(c.Dimensions) {
		return fmt.Errorf("%w: %q", ErrDimensions, c.Dimensions)
	}
	if !c.Errors.SpanStatus && !c.Errors.HTTPServer5xx {
		return ErrNothingCountsAsFail
	}
	if c.Interval <= 0 {
		return fmt.Errorf("%w: %s", ErrInterval, c.Interval)
	}
	if c.Window <= 0 || c.Window%c.Interval != 0 {
		return fmt.Errorf("%w: window %s, interval %s", ErrWindow, c.Window, c.Interval)
	}
	if err := c.Criteria.Validate(); err != nil {
		return err
	}
	if c.MaxSeries < 1 {
		return fmt.Errorf("%w: %d", ErrMaxSeries, c.MaxSeries)
	}
	if n := c.TraceCacheEntries; n < 8 || n&(n-1) != 0 {
		return fmt.Errorf("%w: %d", ErrTraceCacheEntries, n)
	}
	if c.Temporality != temporalityCumulative && c.Temporality != temporalityDelta {
		return fmt.Errorf("%w: %q", ErrTemporality, c.Temporality)
	}
	if c.AllowedLateness < 0 {
		return fmt.Errorf("%w: %s", ErrAllowedLateness, c.AllowedLateness)
	}
	if c.MaxFutureSkew <= 0 {
		return fmt.Errorf("%w: %s", ErrMaxFutureSkew, c.MaxFutureSkew)
	}
	if c.Exemplars < 0 {
		return fmt.Errorf("%w: %d", ErrExemplars, c.Exemplars)
	}
	if c.ReleaseExpiry <= c.AllowedLateness+c.Interval {
		return fmt.Errorf("%w: %s", ErrReleaseExpiry, c.ReleaseExpiry)
	}
	return nil
}

func hasDuplicate[T comparable](xs []T) bool {
	seen := make(map[T]struct{}, len(xs))
	for _, x := range xs {
		if _, ok := seen[x]; ok {
			return true
		}
		seen[x] = struct{}{}
	}
	return false
}
