package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"encoding/json"
	"fmt"
	"net/http"

	"go.opentelemetry.io/collector/client"
)

// operator wraps an operator route: the caller must pass the operator
// authenticator (operator_auth), or the server-wide `auth:` when only that
// is configured (confighttp has then already authenticated every request).
// With neither configured, operator routes are refused: an anonymous caller
// must never be able to roll back or promote a release.
func (e *verdictExporter) operator(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch {
		case e.operatorAuth != nil:
			ctx, err := e.operatorAuth.Authenticate(r.Context(), r.Header)
			if err != nil {
				writeError(w, http.StatusUnauthorized, "operator authentication failed: "+err.Error())
				return
			}
			r = r.WithContext(ctx)
		case e.serverAuthenticated:
		default:
			writeError(w, http.StatusForbidden, "operator routes are disabled: configure operator_auth (or auth) on the canary_verdict exporter")
			return
		}
		h(w, r)
	}
}

// caller names the authenticated caller for the history, from the
// authenticator's data (basicauth sets "username"; OIDC sets "subject").
func caller(r *http.Request) string {
	auth := client.FromContext(r.Context()).Auth
	if auth == nil {
		return ""
	}
	for _, name := range []string{"subject", "username", "sub"} {
		if v, ok := auth.GetAttribute(name).(string); ok && v != "" {
			return v
		}
	}
	return ""
}

func (e *verdictExporter) override(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	req, err := parseOverride(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	service := r.PathValue("service")
	rec := e.board.override(service, req, caller(r), e.now())
	if err := e.store.save(r.Context(), service, rec); err != nil {
		writeError(w, http.StatusInternalServerError, "the override is in force but was not persisted: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, e.board.verdict(service, ""))
}

// criteriaAnswer is the body of GET and PUT /api/v1/releases/{service}/criteria.
type criteriaAnswer struct {
	Service string `json:"service"`
	// Source is "default" (the exporter's configuration) or "operator".
	Source   string          `json:"source"`
	Criteria json.RawMessage `json:"criteria"`
}

func (e *verdictExporter) criteriaOf(w http.ResponseWriter, r *http.Request) {
	service := r.PathValue("service")
	ans := criteriaAnswer{Service: service, Source: "operator", Criteria: e.board.criteria(service)}
	if ans.Criteria == nil {
		ans.Source, ans.Criteria = "default", e.fleet.defaultCriteria()
	}
	writeJSON(w, http.StatusOK, ans)
}

func (e *verdictExporter) putCriteria(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	service := r.PathValue("service")
	doc, err := e.fleet.setCriteria(service, body)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("criteria rejected: %v", err))
		return
	}
	rec := e.board.setCriteria(service, doc, caller(r), e.now())
	if err := e.store.save(r.Context(), service, rec); err != nil {
		writeError(w, http.StatusInternalServerError, "the criteria are in force but were not persisted: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, criteriaAnswer{Service: service, Source: "operator", Criteria: doc})
}
