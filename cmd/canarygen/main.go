// Command canarygen sends synthetic canary-release traffic, made with the
// OpenTelemetry Go SDK from a scenario file, to an OTLP endpoint or writes it
// to a file as OTLP JSON. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// Generation allocates many short-lived spans and keeps little:
		// collecting less often costs a few MB and saves about a third of
		// the CPU time (BenchmarkRun in internal/traffic).
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK    = 0
	exitRun   = 1 // the run failed or some exports failed
	exitUsage = 2 // bad flags or a bad scenario
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if errors.Is(err, errHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "canarygen: %v\n", err)
		return exitUsage
	}
	sum, err := generate(ctx, opts)
	if sum != nil {
		if opts.output == "-" {
			stdout = stderr // the spans own stdout
		}
		sum.Write(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "canarygen: %v\n", err)
		if errors.Is(err, errSetup) {
			return exitUsage
		}
		return exitRun
	}
	if sum.FailedExports > 0 {
		fmt.Fprintf(stderr, "canarygen: %d export(s) failed\n", sum.FailedExports)
		return exitRun
	}
	return exitOK
}
