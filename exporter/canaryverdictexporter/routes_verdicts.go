package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"net/http"
	"strings"
)

// verdictsAnswer is the body of GET /api/v1/verdicts.
type verdictsAnswer struct {
	Releases []verdictReport `json:"releases"`
}

func (e *verdictExporter) verdicts(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, verdictsAnswer{Releases: e.board.all()})
}

func (e *verdictExporter) verdictOf(w http.ResponseWriter, r *http.Request) {
	service := r.PathValue("service")
	version := strings.TrimSpace(r.URL.Query().Get("version"))
	writeJSON(w, http.StatusOK, e.board.verdict(service, version))
}

func (e *verdictExporter) series(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, e.board.series(r.PathValue("service"), r.URL.Query().Get("version")))
}

// historyAnswer is the body of GET /api/v1/releases/{service}/history.
type historyAnswer struct {
	Service string      `json:"service"`
	Runs    []runRecord `json:"runs"`
}

func (e *verdictExporter) history(w http.ResponseWriter, r *http.Request) {
	service := r.PathValue("service")
	writeJSON(w, http.StatusOK, historyAnswer{Service: service, Runs: e.board.runs(service)})
}

// configAnswer is what the dashboard needs from the configuration.
type configAnswer struct {
	TraceLink string `json:"trace_link"`
}

func (e *verdictExporter) dashboardConfig(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, configAnswer{TraceLink: e.cfg.TraceLink})
}
