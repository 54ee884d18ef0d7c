package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"encoding/json"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// maxBodyBytes bounds what the operator and Flagger routes read: their
// bodies are a few hundred bytes; anything larger is refused with 413.
const maxBodyBytes = 64 << 10

// routes builds the HTTP API (DESIGN.md's table plus the dashboard's read
// routes). Every route is read-only except the two operator routes, which
// pass through the operator authenticator.
func (e *verdictExporter) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, e.counted(pattern, h))
	}
	handle("GET /healthz", e.healthz)
	handle("GET /{$}", e.dashboard)
	handle("GET /api/v1/config", e.dashboardConfig)
	handle("GET /api/v1/verdicts", e.verdicts)
	handle("GET /api/v1/verdicts/{service}", e.verdictOf)
	handle("GET /api/v1/value", e.value)
	handle("POST /api/v1/flagger/gate", e.flaggerGate)
	handle("POST /api/v1/flagger/rollback", e.flaggerRollback)
	handle("GET /metrics", e.prometheus)
	handle("GET /api/v1/releases/{service}/series", e.series)
	handle("GET /api/v1/releases/{service}/history", e.history)
	handle("GET /api/v1/releases/{service}/criteria", e.criteriaOf)
	handle("POST /api/v1/releases/{service}/override", e.operator(e.override))
	handle("PUT /api/v1/releases/{service}/criteria", e.operator(e.putCriteria))
	return mux
}

// statusRecorder remembers the status code for the request counter.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// counted counts each answer in canary_verdict_requests{route, code}.
func (e *verdictExporter) counted(pattern string, h http.HandlerFunc) http.Handler {
	route := attribute.String("route", pattern)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h(rec, r)
		e.telemetry.CanaryVerdictRequests.Add(r.Context(), 1,
			metric.WithAttributes(route, attribute.Int("code", rec.code)))
	})
}

func (e *verdictExporter) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// writeJSON answers with a JSON document. Encoding the exporter's own types
// cannot fail (NaN is rendered as null by jsonFloat), so a failure here is a
// real fault and answers 500.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding the answer failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

// apiError is the body of every 4xx/5xx JSON answer.
type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, apiError{Error: msg})
}
