package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"errors"
	"io"
	"net/http"
)

// flaggerPayload is the body Flagger POSTs to its webhooks.
type flaggerPayload struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace"`
	Phase     string            `json:"phase"`
	Metadata  map[string]string `json:"metadata"`
	// Flagger adds fields over time (checksum, type…); they are ignored.
}

var errFlaggerService = errors.New(`payload names no service: set metadata.service or the canary's name`)

// parseFlagger decodes a Flagger webhook body and names the release it is
// about: metadata.service, else the canary's name (and metadata.version, if
// given, scopes it to one version).
func parseFlagger(body []byte) (service, version string, err error) {
	var p flaggerPayload
	if err := decodeLenient(body, &p); err != nil {
		return "", "", err
	}
	service = p.Metadata["service"]
	if service == "" {
		service = p.Name
	}
	if service == "" {
		return "", "", errFlaggerService
	}
	return service, p.Metadata["version"], nil
}

// flaggerGate is Flagger's confirm-promotion webhook: Flagger promotes only
// on a 2xx, so 200 means "promote" and 403 holds the canary where it is.
func (e *verdictExporter) flaggerGate(w http.ResponseWriter, r *http.Request) {
	e.flaggerAnswer(w, r, verdictPromote)
}

// flaggerRollback is Flagger's rollback webhook: a 2xx makes Flagger roll
// the canary back, so only a rollback verdict answers 200.
func (e *verdictExporter) flaggerRollback(w http.ResponseWriter, r *http.Request) {
	e.flaggerAnswer(w, r, verdictRollback)
}

func (e *verdictExporter) flaggerAnswer(w http.ResponseWriter, r *http.Request, want string) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	service, version, err := parseFlagger(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	rep := e.board.verdict(service, version)
	code := http.StatusForbidden
	if rep.Verdict == want {
		code = http.StatusOK
	}
	writeJSON(w, code, rep)
}

// readBody reads a bounded request body, answering 413 or 400 itself.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "body larger than 64 KiB")
			return nil, false
		}
		writeError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return nil, false
	}
	return body, true
}
