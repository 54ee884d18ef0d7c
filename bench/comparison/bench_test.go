package comparison

import (
	"context"
	"testing"

	"github.com/canarytrace/canarytrace/bench/workload"
)

var contenders = []Sampler{CanarySampling(), TailSampling()}

// benchTraces matches cmd/compare's default: with fewer traces the
// samplers' fixed costs (preallocated decision caches) weigh on the
// per-span figures.
const benchTraces = 20_000

// BenchmarkSamplerCPU reports, per span of the workload (20,000 traces a
// run): "ns/span", process CPU time (all goroutines and GC); "wall-ns/span";
// "allocs/span" and "B/span" allocated. ns/op is one whole run, workload
// generation included, and means little.
func BenchmarkSamplerCPU(b *testing.B) {
	cfg := workload.DefaultConfig(benchTraces)
	for _, s := range contenders {
		b.Run(s.Name, func(b *testing.B) {
			var cpu, wall, allocs, bytes float64
			for i := 0; i < b.N; i++ {
				cfg.Seed = uint64(i + 1)
				c, err := MeasureCPU(context.Background(), s, cfg)
				if err != nil {
					b.Fatal(err)
				}
				cpu, wall, allocs, bytes = cpu+c.CPUPerSpan, wall+c.WallPerSpan, allocs+c.AllocsSpan, bytes+c.BytesSpan
			}
			n := float64(b.N)
			b.ReportMetric(cpu/n, "ns/span")
			b.ReportMetric(wall/n, "wall-ns/span")
			b.ReportMetric(allocs/n, "allocs/span")
			b.ReportMetric(bytes/n, "B/span")
		})
	}
}

// BenchmarkConnectorCPU reports, per span of the workload (20,000 traces a
// run, span time ending just before the wall clock): "ns/span", CPU time
// from the connector's creation to the end of its Shutdown, its final
// metrics included: the process's growth over passes that only decode
// (see measureCaller);
// "allocs/span" and "B/span" allocated. ns/op is one whole run, workload
// generation included, and means little.
func BenchmarkConnectorCPU(b *testing.B) {
	cfg := workload.DefaultConfig(benchTraces)
	for _, c := range connectors {
		b.Run(c.Name, func(b *testing.B) {
			var cpu, allocs, bytes float64
			for i := 0; i < b.N; i++ {
				cfg.Seed = uint64(i + 1)
				r, err := MeasureConnectorCPU(context.Background(), c, cfg)
				if err != nil {
					b.Fatal(err)
				}
				if !r.Calls.Matches(r.Truth) {
					b.Fatalf("%s did not count every span under its stage: %+v, generated %+v", c.Name, r.Calls, r.Truth)
				}
				cpu, allocs, bytes = cpu+r.CPUPerSpan, allocs+r.AllocsSpan, bytes+r.BytesSpan
			}
			n := float64(b.N)
			b.ReportMetric(cpu/n, "ns/span")
			b.ReportMetric(allocs/n, "allocs/span")
			b.ReportMetric(bytes/n, "B/span")
		})
	}
}

// BenchmarkSamplerHeld reports "held-B/span": heap in use after GC per
// buffered span, every trace of the workload (20,000 traces) still buffered.
func BenchmarkSamplerHeld(b *testing.B) {
	cfg := workload.DefaultConfig(benchTraces)
	for _, s := range contenders {
		b.Run(s.Name, func(b *testing.B) {
			var held, live float64
			for i := 0; i < b.N; i++ {
				cfg.Seed = uint64(i + 1)
				h, err := MeasureHeld(context.Background(), s, cfg)
				if err != nil {
					b.Fatal(err)
				}
				held, live = held+h.InUsePerSpan, live+h.LivePerSpan
			}
			b.ReportMetric(held/float64(b.N), "held-B/span")
			b.ReportMetric(live/float64(b.N), "live-B/span")
		})
	}
}
