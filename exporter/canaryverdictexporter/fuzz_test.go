package canaryverdictexporter

import (
	"testing"

	"github.com/canarytrace/canarytrace/internal/judge"
)

// The operator and Flagger bodies come from the network: parsing must
// return a value or an error, never panic, and what it accepts must hold
// the documented invariants. Seed corpora: testdata/fuzz/<FuzzName>.

func FuzzParseOverride(f *testing.F) {
	f.Add([]byte(`{"action":"hold","reason":"freeze"}`))
	f.Add([]byte(`{"action":"rollback"}`))
	f.Add([]byte(`{"action":"clear","reason":""} {}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseOverride(body)
		if err != nil {
			return
		}
		switch req.Action {
		case overrideHold, overrideRollback, overrideClear:
		default:
			t.Fatalf("accepted action %q", req.Action)
		}
		if len(req.Reason) > maxReasonLen {
			t.Fatalf("accepted a reason of %d bytes", len(req.Reason))
		}
	})
}

func FuzzParseFlagger(f *testing.F) {
	f.Add([]byte(`{"name":"podinfo","namespace":"test","phase":"Progressing","metadata":{"service":"checkout"}}`))
	f.Add([]byte(`{"name":"podinfo","metadata":{"version":"1.2"}}`))
	f.Add([]byte(`{"metadata":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		service, _, err := parseFlagger(body)
		if err == nil && service == "" {
			t.Fatal("accepted a payload naming no service")
		}
	})
}

func FuzzCriteriaFromJSON(f *testing.F) {
	f.Add([]byte(`{"confidence":0.99}`))
	f.Add([]byte(`{"error_rate":{"max_relative_increase":1,"fail_above":0.05},"latency":{"quantiles":[0.9]}}`))
	f.Add([]byte(`{"min_samples":-1}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := criteriaFromJSON(judge.DefaultCriteria(), body)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted invalid criteria: %v", err)
		}
	})
}
