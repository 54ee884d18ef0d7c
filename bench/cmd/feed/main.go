// Command feed runs one connector over a recent workload without timing
// anything, for counting its instructions from outside (see
// scripts/instructions.sh):
//
//	go run ./cmd/feed [-traces 4000] [-seed 1] [-connector canary_analysis|spanmetrics|none]
//
// With -connector none it only decodes the workload: the baseline that
// the script subtracts. It prints the number of spans.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/canarytrace/canarytrace/bench/comparison"
	"github.com/canarytrace/canarytrace/bench/workload"
)

func main() {
	traces := flag.Int("traces", 4000, "traces in the workload (about 13 spans each)")
	seed := flag.Uint64("seed", 1, "workload seed")
	name := flag.String("connector", "canary_analysis", `"canary_analysis", "spanmetrics" or "none" (decoding only)`)
	flag.Parse()
	if err := run(*traces, *seed, *name); err != nil {
		fmt.Fprintln(os.Stderr, "feed:", err)
		os.Exit(1)
	}
}

func run(traces int, seed uint64, name string) error {
	var c *comparison.Connector
	switch name {
	case "canary_analysis":
		x := comparison.CanaryAnalysis()
		c = &x
	case "spanmetrics":
		x := comparison.SpanMetrics()
		c = &x
	case "none":
	default:
		return fmt.Errorf("unknown connector %q", name)
	}
	if traces < 1 {
		return fmt.Errorf("-traces must be positive")
	}
	cfg := workload.DefaultConfig(traces)
	cfg.Seed = seed
	w, err := comparison.PrepareRecent(cfg, time.Now())
	if err != nil {
		return err
	}
	if err := comparison.Feed(context.Background(), c, w); err != nil {
		return err
	}
	fmt.Println(w.Spans())
	return nil
}
