package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// Verdict words of the HTTP contract (DESIGN.md, "HTTP API of the exporter").
const (
	verdictPromote      = "promote"
	verdictRollback     = "rollback"
	verdictInconclusive = "inconclusive"

	checkPass         = "pass"
	checkFail         = "fail"
	checkInconclusive = "inconclusive"

	reasonNoData = "no data"
)

// verdictReport is one release's verdict as served by
// GET /api/v1/verdicts/{service}: the judge's ReleaseVerdict, rendered, with
// any operator override applied on top.
type verdictReport struct {
	Service string `json:"service"`
	Version string `json:"version"`
	Run     string `json:"run"`
	Verdict string `json:"verdict"`
	// Score is the share (0–100) of evaluated checks that pass; null before
	// any check is evaluated.
	Score  jsonFloat `json:"score"`
	Reason string    `json:"reason"`
	// Since is when (event time of the judged step) the verdict took its
	// current value; Step is the event time of the last judged step.
	Since    *time.Time     `json:"since,omitempty"`
	Step     *time.Time     `json:"step,omitempty"`
	Override *overrideState `json:"override,omitempty"`
	Checks   []checkReport  `json:"checks"`
}

// checkReport is one check of a release: release-level when Operation is
// empty, else a guard on one operation of Service.
type checkReport struct {
	Service   string       `json:"service"`
	Operation string       `json:"operation"`
	Kind      string       `json:"kind,omitempty"`
	Check     string       `json:"check"`
	Verdict   string       `json:"verdict"`
	Canary    jsonFloat    `json:"canary"`
	Stable    jsonFloat    `json:"stable"`
	Interval  [2]jsonFloat `json:"interval"`
	Samples   armSamples   `json:"samples"`
	Reason    string       `json:"reason"`
	Exemplars []string     `json:"exemplars"`
}

// armSamples counts the spans each arm contributed to a check.
type armSamples struct {
	Canary int64 `json:"canary"`
	Stable int64 `json:"stable"`
}

// checkKey identifies a check within a release across steps.
type checkKey struct {
	Service, Operation, Kind, Check string
}

func (c checkReport) key() checkKey {
	return checkKey{Service: c.Service, Operation: c.Operation, Kind: c.Kind, Check: c.Check}
}

// noDataReport is the answer for a release (or version) nothing is known
// about: Argo and Flagger may ask before the first span arrives, and a 404
// would count as an error there.
func noDataReport(service, version string) verdictReport {
	return verdictReport{
		Service: service,
		Version: version,
		Verdict: verdictInconclusive,
		Score:   jsonFloat(math.NaN()),
		Reason:  reasonNoData,
		Checks:  []checkReport{},
	}
}

// jsonFloat renders NaN and ±Inf as null: encoding/json refuses them, and an
// estimate that does not exist yet is "no value", not an error.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = jsonFloat(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = jsonFloat(v)
	return nil
}
