package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"encoding/json"
	"time"
)

// runRecord is one canary run of a service (one canary service.version from
// its first judged step): what GET /api/v1/releases/{service}/history lists
// and what is persisted through the storage extension.
type runRecord struct {
	Run     string     `json:"run"`
	Version string     `json:"version"`
	Start   time.Time  `json:"start"`
	End     *time.Time `json:"end,omitempty"`
	// Verdict is the run's latest verdict as judged (before any override);
	// once End is set it is the run's final verdict.
	Verdict   string           `json:"verdict"`
	Changes   []verdictChange  `json:"changes"`
	Actions   []operatorAction `json:"actions"`
	Anomalies []anomaly        `json:"anomalies"`
	Last      *verdictReport   `json:"last,omitempty"`
	// Override is the operator's hold or rollback of this run, if any.
	Override *overrideState `json:"override,omitempty"`
}

// verdictChange is a change of the run's verdict at a judged step.
type verdictChange struct {
	Time    time.Time `json:"time"`
	Verdict string    `json:"verdict"`
	Reason  string    `json:"reason"`
}

// operatorAction is an authenticated change made through an operator route.
type operatorAction struct {
	Time   time.Time       `json:"time"`
	Route  string          `json:"route"`
	Action string          `json:"action"`
	Reason string          `json:"reason,omitempty"`
	By     string          `json:"by,omitempty"`
	Detail json.RawMessage `json:"detail,omitempty"`
}

// anomaly is an entry of the dashboard's feed: a check that changed state
// (kind "state"), one that started failing ("breach"), or the release's
// verdict changing ("verdict").
type anomaly struct {
	Time      time.Time `json:"time"`
	Kind      string    `json:"kind"`
	Service   string    `json:"service"`
	Operation string    `json:"operation"`
	Check     string    `json:"check"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Reason    string    `json:"reason"`
	Exemplars []string  `json:"exemplars"`
}

const (
	anomalyState   = "state"
	anomalyBreach  = "breach"
	anomalyVerdict = "verdict"

	// maxAnomaliesPerRun bounds a run's feed so a flapping check cannot grow
	// a persisted record without limit; the oldest entries go first
	// (counted in canary_verdict_history_dropped{reason="anomalies"}).
	maxAnomaliesPerRun = 200
	// maxActionsPerRun bounds the operator actions kept per run.
	maxActionsPerRun = 100
)

// serviceRecord is what is persisted per service: its runs, oldest first,
// and the criteria in force.
type serviceRecord struct {
	Service  string          `json:"service"`
	Runs     []*runRecord    `json:"runs"`
	Criteria json.RawMessage `json:"criteria,omitempty"`
}

// overrideState is an operator's hold or rollback of a release's run.
type overrideState struct {
	Action string    `json:"action"`
	Reason string    `json:"reason"`
	By     string    `json:"by,omitempty"`
	Time   time.Time `json:"time"`
}
