package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/canarytrace/canarytrace/internal/traffic"
)

// errSetup marks failures before any traffic is made (bad scenario, bad
// flags, unopenable output): usage errors rather than run failures.
var errSetup = errors.New("setup")

type setupError struct{ err error }

func (e setupError) Error() string   { return e.err.Error() }
func (e setupError) Unwrap() []error { return []error{e.err, errSetup} }
func setupErr(err error) error       { return setupError{err} }

// generate loads the scenario, opens the destination and runs the traffic.
func generate(ctx context.Context, o *options) (*traffic.Summary, error) {
	sc, err := traffic.LoadScenario(o.scenario)
	if err != nil {
		return nil, setupErr(err)
	}
	if err := o.apply(sc); err != nil {
		return nil, setupErr(err)
	}
	exp, closeOut, err := openExporter(ctx, o)
	if err != nil {
		return nil, setupErr(err)
	}
	seed := o.seed
	if !o.seedSet {
		seed = uint64(time.Now().UnixNano())
	}
	sum, runErr := traffic.Run(ctx, traffic.Config{
		Scenario:       sc,
		Exporter:       exp,
		Seed:           seed,
		SimulatedClock: o.simulatedClock,
		Start:          o.start,
		BatchSize:      o.batchSize,
		ExportTimeout:  o.exportTimeout,
	})
	sctx, cancel := context.WithTimeout(context.Background(), o.exportTimeout)
	defer cancel()
	closeErr := errors.Join(exp.Shutdown(sctx), closeOut())
	sum.Scenario = fmt.Sprintf("%s (seed %d)", sum.Scenario, seed)
	return &sum, errors.Join(runErr, closeErr)
}

func openExporter(ctx context.Context, o *options) (sdktrace.SpanExporter, func() error, error) {
	if o.endpoint != "" {
		exp, err := traffic.NewOTLPExporter(ctx, o.protocol, o.endpoint, traffic.OTLPOptions{
			Insecure: o.insecure, Timeout: o.exportTimeout, RetryFor: o.exportTimeout / 2,
		})
		return exp, func() error { return nil }, err
	}
	if o.output == "-" {
		return traffic.NewFileExporter(os.Stdout), func() error { return nil }, nil
	}
	f, err := os.Create(o.output)
	if err != nil {
		return nil, nil, fmt.Errorf("--output: %w", err)
	}
	return traffic.NewFileExporter(f), f.Close, nil
}
