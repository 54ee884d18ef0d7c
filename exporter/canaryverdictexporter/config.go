package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/confighttp"

	"github.com/canarytrace/canarytrace/internal/judge"
)

// Config is the canary_verdict exporter's configuration.
type Config struct {
	// ServerConfig holds the HTTP server settings (endpoint, TLS, auth, CORS,
	// response headers…). The endpoint defaults to localhost:8787. CORS is off
	// unless cors.allowed_origins is set. An `auth:` block here authenticates
	// every route, read-only ones included.
	confighttp.ServerConfig `mapstructure:",squash"`

	// OperatorAuth names the authenticator extension that operator routes
	// (POST /api/v1/releases/{service}/override, PUT …/criteria) require. When
	// unset, operator routes use the server's `auth:` if any; with neither,
	// operator routes are disabled (403) so no anonymous caller can change a
	// verdict.
	OperatorAuth *configauth.Config `mapstructure:"operator_auth"`

	// Storage is the id of a storage extension (for example file_storage)
	// that keeps the run history across restarts. Unset keeps it in memory.
	Storage *component.ID `mapstructure:"storage"`

	// TraceLink turns an exemplar trace id into a link on the dashboard; the
	// text "{trace_id}" is replaced by the hex trace id. Empty shows bare ids.
	TraceLink string `mapstructure:"trace_link"`

	// GracePeriod is how long, in wall-clock time after the first instance
	// reported a step, the exporter waits for the other recently seen
	// instances before judging that step without them. Must be > 0.
	GracePeriod time.Duration `mapstructure:"grace_period"`

	// InstanceExpiry is how long an instance (service.instance.id) may send
	// nothing before it no longer counts as recently seen: a stopped
	// collector then neither stalls the steps nor costs the grace period.
	// Must be longer than grace_period.
	InstanceExpiry time.Duration `mapstructure:"instance_expiry"`

	// RunIdle ends a run that has had no evidence (no span of the release)
	// for this long in event time: its last verdict becomes final and it is
	// no longer judged. A new canary version also ends the previous run.
	// Must be > 0.
	RunIdle time.Duration `mapstructure:"run_idle"`

	// MaxInstances caps the instances tracked at once; at the cap the one
	// seen longest ago is forgotten (counted in
	// canary_verdict_instances_expired{reason="max_instances"}). Must be > 0.
	MaxInstances int `mapstructure:"max_instances"`

	// History bounds the run history kept (and persisted).
	History HistoryConfig `mapstructure:"history"`

	// Criteria are the tolerances and confidence the merged evidence is
	// judged with: the same keys and defaults as the canary_analysis
	// connector (confidence, min_samples, error_rate, latency). Operators
	// may override them per service (PUT /api/v1/releases/{service}/criteria).
	judge.Criteria `mapstructure:",squash"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// HistoryConfig bounds the run history.
type HistoryConfig struct {
	// Retention drops ended runs that ended longer ago than this. 0 keeps
	// ended runs until max_runs pushes them out.
	Retention time.Duration `mapstructure:"retention"`
	// MaxRuns caps the runs kept per service, oldest dropped first. Must be > 0.
	MaxRuns int `mapstructure:"max_runs"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Sentinel errors of Validate, one per rule, so callers can compare them.
var (
	errEndpointMissing      = errors.New("endpoint must be set")
	errGracePeriod          = errors.New("grace_period must be positive")
	errInstanceExpiry       = errors.New("instance_expiry must be longer than grace_period")
	errMaxInstances         = errors.New("max_instances must be positive")
	errRunIdle              = errors.New("run_idle must be positive")
	errHistoryRetention     = errors.New("history.retention must not be negative")
	errHistoryMaxRuns       = errors.New("history.max_runs must be positive")
	errTraceLinkPlaceholder = errors.New(`trace_link must contain "{trace_id}"`)
)

// Validate checks the configuration; each rule returns its sentinel error
// wrapped with the bad value.
func (c *Config) Validate() error {
	if c.NetAddr.Endpoint == "" {
		return errEndpointMissing
	}
	if c.GracePeriod <= 0 {
		return fmt.Errorf("%w: %v", errGracePeriod, c.GracePeriod)
	}
	if c.InstanceExpiry <= c.GracePeriod {
		return fmt.Errorf("%w: %v <= %v", errInstanceExpiry, c.InstanceExpiry, c.GracePeriod)
	}
	if c.RunIdle <= 0 {
		return fmt.Errorf("%w: %v", errRunIdle, c.RunIdle)
	}
	if c.MaxInstances <= 0 {
		return fmt.Errorf("%w: %d", errMaxInstances, c.MaxInstances)
	}
	if c.History.Retention < 0 {
		return fmt.Errorf("%w: %v", errHistoryRetention, c.History.Retention)
	}
	if c.History.MaxRuns <= 0 {
		return fmt.Errorf("%w: %d", errHistoryMaxRuns, c.History.MaxRuns)
	}
	if err := c.Criteria.Validate(); err != nil {
		return err
	}
	if c.TraceLink != "" && !strings.Contains(c.TraceLink, traceIDPlaceholder) {
		return fmt.Errorf("%w: %q", errTraceLinkPlaceholder, c.TraceLink)
	}
	return nil
}

// traceIDPlaceholder is replaced by the exemplar's hex trace id in TraceLink.
const traceIDPlaceholder = "{trace_id}"
