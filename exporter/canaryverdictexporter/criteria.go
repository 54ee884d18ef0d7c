package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"encoding/json"
	"slices"

	"go.opentelemetry.io/collector/confmap"

	"github.com/canarytrace/canarytrace/internal/judge"
)

// criteriaFromJSON reads an operator's criteria document over base: the
// same keys as the configuration (confidence, min_samples, error_rate.*,
// latency.*); keys left out keep base's values; unknown keys are errors
// (confmap rejects them), and the result must pass the judge's Validate.
func criteriaFromJSON(base judge.Criteria, doc []byte) (judge.Criteria, error) {
	var m map[string]any
	if err := decodeStrict(doc, &m); err != nil {
		return judge.Criteria{}, err
	}
	c := base
	c.Latency.Quantiles = slices.Clone(base.Latency.Quantiles)
	if q, ok := m["latency"].(map[string]any); ok && q["quantiles"] != nil {
		c.Latency.Quantiles = nil // a list given replaces the list, it does not merge
	}
	if err := confmap.NewFromStringMap(m).Unmarshal(&c); err != nil {
		return judge.Criteria{}, err
	}
	if err := c.Validate(); err != nil {
		return judge.Criteria{}, err
	}
	return c, nil
}

// criteriaJSON renders criteria with the configuration's keys.
func criteriaJSON(c judge.Criteria) json.RawMessage {
	conf := confmap.New()
	if err := conf.Marshal(c); err != nil {
		return json.RawMessage(`null`)
	}
	b, err := json.Marshal(conf.ToStringMap())
	if err != nil {
		return json.RawMessage(`null`)
	}
	return b
}
