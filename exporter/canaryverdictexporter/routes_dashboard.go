package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"net/http"
	"strings"
)

// dashboardHTML is the whole dashboard: one page, inline CSS and JS, no
// external assets, so it works offline and under a strict CSP.
//
//go:embed dashboard/index.html
var dashboardHTML []byte

// dashboardCSP allows exactly the page's own inline script and style (by
// hash), fetches to this origin, and nothing else: even if a span name
// slipped into markup, no injected script or remote resource could run.
var dashboardCSP = buildCSP(string(dashboardHTML))

func buildCSP(page string) string {
	return strings.Join([]string{
		"default-src 'none'",
		"script-src " + inlineHash(page, "<script>", "</script>"),
		"style-src " + inlineHash(page, "<style>", "</style>"),
		"connect-src 'self'",
		"img-src data:",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// inlineHash is the CSP source for the content between open and close.
func inlineHash(page, open, close string) string {
	i := strings.Index(page, open)
	j := strings.Index(page, close)
	if i < 0 || j < i {
		return "'none'"
	}
	sum := sha256.Sum256([]byte(page[i+len(open) : j]))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

func (e *verdictExporter) dashboard(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", dashboardCSP)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(dashboardHTML)
}
