// Command compare runs the peer comparison of issue 3 (item 8) and prints
// ours against contrib, with ratios and targets. `make bench` runs it.
//
//	cd bench && go run ./cmd/compare [-traces 20000] [-runs 3] [-cpuprofile ours.pprof]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/canarytrace/canarytrace/bench/comparison"
	"github.com/canarytrace/canarytrace/bench/workload"
)

func main() {
	traces := flag.Int("traces", 20_000, "traces in each run (about 13 spans each)")
	runs := flag.Int("runs", 3, "runs per sampler and measurement; the median is shown")
	seed := flag.Uint64("seed", 1, "workload seed")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of canary_sampling's CPU runs to this file")
	flag.Parse()
	if err := run(*traces, *runs, *seed, *cpuProfile); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run(traces, runs int, seed uint64, cpuProfile string) error {
	if traces < 1 || runs < 1 {
		return fmt.Errorf("-traces and -runs must be positive")
	}
	ctx := context.Background()
	cfg := workload.DefaultConfig(traces)
	cfg.Seed = seed
	fmt.Printf("workload: %d traces (seed %d), 6 services, batches of up to %d spans, %.1f%% canary, %.1f%% errors; GOMAXPROCS=%d\n",
		traces, seed, cfg.BatchSize, 100*cfg.CanaryShare, 100*cfg.ErrorShare, runtime.GOMAXPROCS(0))
	fmt.Printf("CPU runs: decision_wait %v; memory runs: decision_wait %v, heap after GC with every trace buffered; median of %d runs\n\n",
		comparison.CPUWait, comparison.HeldWait, runs)

	// Processors: canary_sampling against tail_sampling.
	ours, err := measure(ctx, comparison.CanarySampling(), cfg, runs, cpuProfile)
	if err != nil {
		return err
	}
	peer, err := measure(ctx, comparison.TailSampling(), cfg, runs, "")
	if err != nil {
		return err
	}
	fmt.Println("== processor: canary_sampling vs contrib tail_sampling v0.161.0")
	comparison.WriteSamplerTable(os.Stdout, ours, peer)

	// Connectors: canary_analysis against contrib spanmetrics v0.161.0
	// goes here once canary_analysis exists; see comparison/connector.go.
	return nil
}

func measure(ctx context.Context, s comparison.Sampler, cfg workload.Config, runs int, cpuProfile string) (comparison.SamplerResult, error) {
	var cpus []comparison.CPU
	var helds []comparison.Held
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return comparison.SamplerResult{}, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return comparison.SamplerResult{}, err
		}
	}
	for range runs {
		c, err := comparison.MeasureCPU(ctx, s, cfg)
		if err != nil {
			return comparison.SamplerResult{}, err
		}
		cpus = append(cpus, c)
	}
	if cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	for range runs {
		h, err := comparison.MeasureHeld(ctx, s, cfg)
		if err != nil {
			return comparison.SamplerResult{}, err
		}
		helds = append(helds, h)
	}
	return comparison.Median(s.Name, cpus, helds), nil
}
