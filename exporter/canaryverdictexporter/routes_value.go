package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"time"
)

// valueQuery is the parsed query of GET /api/v1/value.
type valueQuery struct {
	Service, Version string
	Check, Stage     string
	// Operation is a span name; OperationService defaults to the release.
	Operation, OperationService string
	// Window > 0 asks for the estimate over the most recent window of event
	// time instead of the whole run.
	Window time.Duration
}

// valueAnswer is the body of GET /api/v1/value: Value is null when there is
// no estimate (no data yet, an unknown check or operation).
type valueAnswer struct {
	Value   jsonFloat `json:"value"`
	Service string    `json:"service"`
	Version string    `json:"version"`
	Run     string    `json:"run"`
	Check   string    `json:"check"`
	Stage   string    `json:"stage"`
	Reason  string    `json:"reason,omitempty"`
}

func parseValueQuery(q url.Values) (valueQuery, error) {
	v := valueQuery{
		Service: q.Get("service"), Version: q.Get("version"),
		Check: q.Get("check"), Stage: q.Get("stage"),
		Operation: q.Get("operation"), OperationService: q.Get("operation.service"),
	}
	if v.Service == "" {
		return v, fmt.Errorf("query parameter %q is required", "service")
	}
	if v.Check == "" {
		return v, fmt.Errorf("query parameter %q is required", "check")
	}
	if v.Stage == "" {
		v.Stage = "canary"
	}
	if v.Stage != "canary" && v.Stage != "stable" {
		return v, fmt.Errorf("stage must be \"canary\" or \"stable\", got %q", v.Stage)
	}
	if v.Operation != "" && v.OperationService == "" {
		v.OperationService = v.Service
	}
	if w := q.Get("window"); w != "" {
		d, err := time.ParseDuration(w)
		if err != nil || d <= 0 {
			return v, fmt.Errorf("window must be a positive duration such as 5m, got %q", w)
		}
		v.Window = d
	}
	return v, nil
}

func (e *verdictExporter) value(w http.ResponseWriter, r *http.Request) {
	q, err := parseValueQuery(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	rep := e.board.verdict(q.Service, q.Version)
	ans := valueAnswer{Value: jsonFloat(math.NaN()), Service: q.Service, Version: rep.Version, Run: rep.Run, Check: q.Check, Stage: q.Stage}
	if rep.Run == "" {
		ans.Reason = reasonNoData
		writeJSON(w, http.StatusOK, ans)
		return
	}
	key := checkKey{Service: q.Service, Operation: q.Operation, Check: q.Check}
	if q.Operation != "" {
		key.Service = q.OperationService
	}
	if q.Window > 0 {
		v, ok := e.fleet.windowEstimate(q.Service, rep.Version, key, q.Stage, q.Window)
		if ok {
			ans.Value = jsonFloat(v)
		} else {
			ans.Reason = reasonNoData
		}
		writeJSON(w, http.StatusOK, ans)
		return
	}
	c, ok := findCheck(rep.Checks, key)
	if !ok {
		ans.Reason = "no such check"
		writeJSON(w, http.StatusOK, ans)
		return
	}
	ans.Value = c.Canary
	if q.Stage == "stable" {
		ans.Value = c.Stable
	}
	writeJSON(w, http.StatusOK, ans)
}

// findCheck finds a check by service, operation (span name) and check name;
// the span kind is not part of the query, so the first kind matching wins
// (checks are ordered by the judge, deterministically).
func findCheck(checks []checkReport, k checkKey) (checkReport, bool) {
	for _, c := range checks {
		if c.Check == k.Check && c.Operation == k.Operation && (k.Operation == "" || c.Service == k.Service) {
			return c, true
		}
	}
	return checkReport{}, false
}
