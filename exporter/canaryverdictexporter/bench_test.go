package canaryverdictexporter

import (
	"context"
	"math/rand/v2"
	"testing"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/canarytrace/canarytrace/internal/evidence"
)

// BenchmarkConsumeStep measures one aligned step of a 3-instance fleet:
// decoding three exports (400 traces a step in all), merging, and judging
// the release once every instance has reported. The evidence is encoded
// before the timer starts.
func BenchmarkConsumeStep(b *testing.B) {
	const instances, steps = 3, 64
	rng := rand.New(rand.NewPCG(1, 1))
	payloads := make([][]pmetric.Metrics, steps)
	evs := make([]*evidence.Evidence, instances)
	for i := range evs {
		evs[i] = evidence.New()
	}
	for s := range steps {
		for _, o := range trafficStep(rng, evidence.Step(1000+s), 400, 0.02) {
			evs[int(o.TraceID[0])%instances].Observe(o)
		}
		for i, ev := range evs {
			payloads[s] = append(payloads[s], export(string(rune('a'+i)), ev, evidence.Step(1000+s)))
		}
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		f := newTestFleet(b)
		now := t0
		b.StartTimer()
		for s := range steps {
			for _, md := range payloads[s] {
				f.consume(ctx, md, now)
			}
			now = now.Add(defaultGracePeriod)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*steps), "ns/step")
}
