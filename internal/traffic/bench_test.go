package traffic

import (
	"context"
	"io"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// BenchmarkRun measures generation alone (a no-op exporter) and generation
// with OTLP JSON encoding, per 10 simulated seconds of the aa scenario at 200
// requests per second (about 13,500 spans).
func BenchmarkRun(b *testing.B) {
	sc := loadScenario(b, "aa.yaml")
	sc.Duration = 10 * time.Second
	for _, bc := range []struct {
		name string
		exp  func() exporter
	}{
		{"noop", func() exporter { return tracetest.NewNoopExporter() }},
		{"json", func() exporter { return NewFileExporter(io.Discard) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Run(context.Background(), Config{Scenario: sc, Exporter: bc.exp(), Seed: uint64(i), SimulatedClock: true, Start: testStart}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
