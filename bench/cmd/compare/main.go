// Command compare runs the peer comparisons of issue 3 (item 8: the
// sampler) and issue 4 (item 10: the connector) and prints ours against
// contrib, with ratios and targets. `make bench` runs it.
//
//	cd bench && go run ./cmd/compare [-traces 20000] [-runs 9] [-only sampler|connector] [-ours-only] [-cpuprofile ours.pprof]
//
// Runs alternate between the contenders so that both see the same load on
// a shared machine; the tables show medians and the spread of CPU per span.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/canarytrace/canarytrace/bench/comparison"
	"github.com/canarytrace/canarytrace/bench/workload"
)

type options struct {
	traces, runs int
	seed         uint64
	only         string
	oursOnly     bool
	cpuProfile   string
}

func main() {
	var o options
	flag.IntVar(&o.traces, "traces", 20_000, "traces in each run (about 13 spans each)")
	flag.IntVar(&o.runs, "runs", 9, "runs per contender and measurement; the median is shown")
	flag.Uint64Var(&o.seed, "seed", 1, "workload seed")
	flag.StringVar(&o.only, "only", "", `run one comparison: "sampler" (canary_sampling vs tail_sampling) or "connector" (canary_analysis vs spanmetrics); both when empty`)
	flag.BoolVar(&o.oursOnly, "ours-only", false, "measure ours alone (quick iterations, profiling), no comparison")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of ours' first CPU run (its work only, not the workload's generation) to this file; needs -only")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.traces < 1 || o.runs < 1 {
		return errors.New("-traces and -runs must be positive")
	}
	sampler, connector := o.only == "" || o.only == "sampler", o.only == "" || o.only == "connector"
	if !sampler && !connector {
		return fmt.Errorf(`-only must be "sampler" or "connector", not %q`, o.only)
	}
	if o.cpuProfile != "" && o.only == "" {
		return errors.New("-cpuprofile profiles one contender: choose the comparison with -only")
	}
	var prof *os.File
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		prof = f
	}
	ctx := context.Background()
	cfg := workload.DefaultConfig(o.traces)
	cfg.Seed = o.seed
	fmt.Printf("workload: %d traces (seed %d), 6 services, batches of up to %d spans, %.1f%% canary, %.1f%% errors; GOMAXPROCS=%d\n",
		o.traces, o.seed, cfg.BatchSize, 100*cfg.CanaryShare, 100*cfg.ErrorShare, runtime.GOMAXPROCS(0))
	if sampler {
		if err := compareSamplers(ctx, cfg, o, prof); err != nil {
			return err
		}
	}
	if connector {
		if sampler {
			fmt.Println()
			// The samplers' memory runs held every trace: hundreds of
			// megabytes of heap the connectors' runs would otherwise
			// allocate among and sweep. Each comparison starts from a
			// settled heap, as -only does.
			debug.FreeOSMemory()
		}
		if err := compareConnectors(ctx, cfg, o, prof); err != nil {
			return err
		}
	}
	return nil
}

// compareSamplers: canary_sampling against tail_sampling.
func compareSamplers(ctx context.Context, cfg workload.Config, o options, prof *os.File) error {
	fmt.Printf("samplers: CPU runs with decision_wait %v; memory runs with decision_wait %v, heap after GC with every trace buffered; median of %d runs\n\n",
		comparison.CPUWait, comparison.HeldWait, o.runs)
	ours, peer := comparison.CanarySampling(), comparison.TailSampling()
	var oursCPU, peerCPU []comparison.CPU
	var oursHeld, peerHeld []comparison.Held
	for i := range o.runs {
		c, err := profiled(prof, i, func() (*comparison.Workload, error) { return comparison.Prepare(cfg) },
			func(w *comparison.Workload) (comparison.CPU, error) { return comparison.RunCPU(ctx, ours, w) })
		if err != nil {
			return err
		}
		oursCPU = append(oursCPU, c)
		if o.oursOnly {
			continue
		}
		if c, err = comparison.MeasureCPU(ctx, peer, cfg); err != nil {
			return err
		}
		peerCPU = append(peerCPU, c)
	}
	for range o.runs {
		h, err := comparison.MeasureHeld(ctx, ours, cfg)
		if err != nil {
			return err
		}
		oursHeld = append(oursHeld, h)
		if o.oursOnly {
			continue
		}
		if h, err = comparison.MeasureHeld(ctx, peer, cfg); err != nil {
			return err
		}
		peerHeld = append(peerHeld, h)
	}
	if o.oursOnly {
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
	comparison.WriteLeastDisturbed(os.Stdout, oursCPU, peerCPU)
	return nil
}

// compareConnectors: canary_analysis against spanmetrics.
func compareConnectors(ctx context.Context, cfg workload.Config, o options, prof *os.File) error {
	fmt.Printf("connectors: default configs (canary_analysis interval 10s; spanmetrics + deployment.stage, service.version, exponential histogram), span time ending %v before the wall clock; median of %d runs\n\n",
		2*time.Minute, o.runs)
	ours, peer := comparison.CanaryAnalysis(), comparison.SpanMetrics()
	var oursCPU, peerCPU, calibration []comparison.CPU
	var known []float64
	for i := range o.runs {
		var w *comparison.Workload
		c, err := profiled(prof, i, func() (*comparison.Workload, error) {
			var err error
			w, err = comparison.PrepareRecent(cfg, time.Now())
			return w, err
		}, func(w *comparison.Workload) (comparison.CPU, error) { return comparison.RunConnectorCPU(ctx, ours, w) })
		if err != nil {
			return err
		}
		oursCPU = append(oursCPU, c)
		if o.oursOnly {
			continue
		}
		cal, err := comparison.Calibrate(ctx, w, calibrationSpin)
		if err != nil {
			return fmt.Errorf("calibration: %w", err)
		}
		calibration, known = append(calibration, cal.Measured), append(known, cal.Known)
		if c, err = comparison.MeasureConnectorCPU(ctx, peer, cfg); err != nil {
			return err
		}
		peerCPU = append(peerCPU, c)
	}
	if o.oursOnly {
		r := comparison.MedianCPU(oursCPU)
		fmt.Printf("%s: %.0f CPU ns/span (%.0f on the calling thread, %+.0f on other threads), %.2f allocs/span, %.0f B allocated/span; counted every span: %v\n",
			ours.Name, r.CPUPerSpan, r.CallerPerSpan, r.OtherThreadPerSpan, r.AllocsSpan, r.BytesSpan, r.Calls.Matches(r.Truth))
		return nil
	}
	fmt.Println("== connector: canary_analysis vs contrib spanmetrics v0.161.0")
	comparison.WriteConnectorTable(os.Stdout, ours.Name, comparison.MedianCPU(oursCPU), peer.Name, comparison.MedianCPU(peerCPU))
	fmt.Println()
	comparison.WriteSpread(os.Stdout, ours.Name, oursCPU, peer.Name, peerCPU)
	comparison.WriteLeastDisturbed(os.Stdout, oursCPU, peerCPU)
	slices.Sort(known)
	comparison.WriteCalibration(os.Stdout, comparison.Calibration{Known: known[len(known)/2], Measured: comparison.MedianCPU(calibration)})
	return nil
}

// calibrationSpin is the cost of the contender that checks the connectors'
// method: about canary_analysis's.
const calibrationSpin = 100 * time.Nanosecond

// profiled prepares a workload and measures a run of it, profiling the
// run alone (not the workload's generation) when prof is set and this is
// the first run: one profile per file.
func profiled(prof *os.File, run int, prepare func() (*comparison.Workload, error), measure func(*comparison.Workload) (comparison.CPU, error)) (comparison.CPU, error) {
	w, err := prepare()
	if err != nil {
		return comparison.CPU{}, err
	}
	if prof == nil || run > 0 {
		return measure(w)
	}
	if err := pprof.StartCPUProfile(prof); err != nil {
		return comparison.CPU{}, err
	}
	defer pprof.StopCPUProfile()
	return measure(w)
}
