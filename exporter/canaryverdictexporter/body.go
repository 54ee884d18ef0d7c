package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// decodeStrict decodes exactly one JSON value and rejects unknown fields:
// for operator bodies a typo ("acton") must be an error, not a no-op.
func decodeStrict(body []byte, v any) error {
	return decodeOne(body, v, true)
}

// decodeLenient decodes exactly one JSON value and ignores unknown fields:
// Flagger adds fields to its payload across versions.
func decodeLenient(body []byte, v any) error {
	return decodeOne(body, v, false)
}

func decodeOne(body []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON body: %w", err)
	}
	if dec.More() {
		return errors.New("invalid JSON body: more than one value")
	}
	return nil
}
