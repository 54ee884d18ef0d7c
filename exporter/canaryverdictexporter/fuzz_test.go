package canaryverdictexporter

import (
	"context"
	"math/rand/v2"
	"testing"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/canarytrace/canarytrace/internal/evidence"
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

// FuzzFleetConsume feeds arbitrary OTLP metrics (evidence from other
// instances is untrusted) to a fleet: it must judge or skip, never panic
// or hang, whatever the steps, intervals and counts claim. Run it with
// -fuzzminimizetime 1x: minimizing inputs this large takes minutes.
func FuzzFleetConsume(f *testing.F) {
	ev := evidence.New()
	for _, o := range trafficStep(rand.New(rand.NewPCG(1, 1)), 7, 5, 0.5) {
		ev.Observe(o)
	}
	seed, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(export("a", ev, 7))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(b)
		if err != nil {
			return
		}
		fl := newTestFleet(t)
		ctx := context.Background()
		fl.consume(ctx, md, t0)
		fl.consume(ctx, md, t0.Add(defaultGracePeriod))
		for _, js := range fl.tick(t0.Add(2 * defaultGracePeriod)) {
			if js.report.Service == "" || js.report.Run == "" {
				t.Fatalf("judged a release with no name or run: %+v", js.report)
			}
		}
	})
}
