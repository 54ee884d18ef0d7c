// Command compare runs the peer comparison of issue 3 (item 8) and prints
// ours against contrib, with ratios and targets. `make bench` runs it.
//
//	cd bench && go run ./cmd/compare [-traces 20000] [-runs 5] [-cpuprofile ours.pprof] [-ours-only]
//
// Runs alternate between the contenders so that both see the same load on
// a shared machine; the table shows medians and the spread of CPU per span.
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
	runs := flag.Int("runs", 5, "runs per sampler and measurement; the median is shown")
	seed := flag.Uint64("seed", 1, "workload seed")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of canary_sampling's CPU runs (sampler work only) to this file")
	oursOnly := flag.Bool("ours-only", false, "measure canary_sampling alone (quick iterations, profiling), no comparison")
	flag.Parse()
	if err := run(*traces, *runs, *seed, *cpuProfile, *oursOnly); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run(traces, runs int, seed uint64, cpuProfile string, oursOnly bool) error {
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
	ours, peer := comparison.CanarySampling(), comparison.TailSampling()
	var prof *os.File
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		prof = f
	}
	var oursCPU, peerCPU []comparison.CPU
	var oursHeld, peerHeld []comparison.Held
	for i := range runs {
		profile := prof
		if i > 0 {
			profile = nil // one profile per file: the first run
		}
		c, err := runCPU(ctx, ours, cfg, profile)
		if err != nil {
			return err
		}
		oursCPU = append(oursCPU, c)
		if oursOnly {
			continue
		}
		if c, err = runCPU(ctx, peer, cfg, nil); err != nil {
			return err
		}
		peerCPU = append(peerCPU, c)
	}
	for range runs {
		h, err := comparison.MeasureHeld(ctx, ours, cfg)
		if err != nil {
			return err
		}
		oursHeld = append(oursHeld, h)
		if oursOnly {
			continue
		}
		if h, err = comparison.MeasureHeld(ctx, peer, cfg); err != nil {
			return err
		}
		peerHeld = append(peerHeld, h)
	}
	if oursOnly {
		r := comparison.Median(ours.Name, oursCPU, oursHeld)
		fmt.Printf("%s: %.0f CPU ns/span (decoding %.0f subtracted), %.1f allocs/span, %.0f B allocated/span, %.0f B held/buffered span\n",
			r.Name, r.CPU.CPUPerSpan, r.CPU.DecodePerSpan, r.CPU.AllocsSpan, r.CPU.BytesSpan, r.Held.InUsePerSpan)
		return nil
	}
	fmt.Println("== processor: canary_sampling vs contrib tail_sampling v0.161.0")
	comparison.WriteSamplerTable(os.Stdout,
		comparison.Median(ours.Name, oursCPU, oursHeld), comparison.Median(peer.Name, peerCPU, peerHeld))
	fmt.Println()
	comparison.WriteSpread(os.Stdout, ours.Name, oursCPU, peer.Name, peerCPU)

	// Connectors: canary_analysis against contrib spanmetrics v0.161.0
	// goes here once canary_analysis exists; see comparison/connector.go.
	return nil
}

// runCPU prepares a workload and runs it, profiling only the sampler's
// work (not the workload's generation) when prof is set.
func runCPU(ctx context.Context, s comparison.Sampler, cfg workload.Config, prof *os.File) (comparison.CPU, error) {
	w, err := comparison.Prepare(cfg)
	if err != nil {
		return comparison.CPU{}, err
	}
	if prof != nil {
		if err := pprof.StartCPUProfile(prof); err != nil {
			return comparison.CPU{}, err
		}
		defer pprof.StopCPUProfile()
	}
	return comparison.RunCPU(ctx, s, w)
}
