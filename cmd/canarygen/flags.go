package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/canarytrace/canarytrace/internal/traffic"
)

var errHelp = flag.ErrHelp

// options are the parsed command line. Overrides are pointers: nil leaves the
// scenario's value alone.
type options struct {
	scenario       string
	endpoint       string
	protocol       string
	insecure       bool
	output         string
	seed           uint64
	seedSet        bool
	simulatedClock bool
	start          time.Time
	batchSize      int
	exportTimeout  time.Duration

	duration     *time.Duration
	rate         *float64
	canaryShare  *float64
	headSampling *float64
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("canarygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: canarygen --scenario FILE (--endpoint HOST:PORT [--protocol grpc|http] | --output FILE) [flags]")
		fs.PrintDefaults()
	}
	o := &options{}
	var start string
	var duration time.Duration
	var rate, share, head float64
	fs.StringVar(&o.scenario, "scenario", "", "scenario YAML file (required), e.g. testdata/scenarios/aa.yaml")
	fs.StringVar(&o.endpoint, "endpoint", "", "OTLP endpoint host:port to send to")
	fs.StringVar(&o.protocol, "protocol", traffic.ProtocolGRPC, "OTLP protocol: grpc or http (protobuf to /v1/traces)")
	fs.BoolVar(&o.insecure, "insecure", false, "send without TLS (always so for loopback endpoints)")
	fs.StringVar(&o.output, "output", "", "write OTLP JSON, one ExportTraceServiceRequest per line, to this file ('-' for stdout)")
	fs.Uint64Var(&o.seed, "seed", 0, "seed of every random choice and ID (default: from the clock, printed)")
	fs.BoolVar(&o.simulatedClock, "simulated-clock", false, "take timestamps from the schedule instead of waiting: minutes of traffic in seconds")
	fs.StringVar(&start, "start", "", "RFC 3339 time of the run's start (default: now; with --simulated-clock, now minus the duration)")
	fs.DurationVar(&duration, "duration", 0, "override the scenario's duration")
	fs.Float64Var(&rate, "rate", 0, "override the scenario's request rate, requests per second")
	fs.Float64Var(&share, "canary-share", 0, "override the canary share of traffic, in [0, 1] (drops canary_steps)")
	fs.Float64Var(&head, "head-sampling", 0, "override head sampling, percent in (0, 100]; 0 turns it off")
	fs.IntVar(&o.batchSize, "batch-size", traffic.DefaultBatchSize, "spans per export")
	fs.DurationVar(&o.exportTimeout, "export-timeout", traffic.DefaultExportTimeout, "bound on one export, retries included")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "seed":
			o.seedSet = true
		case "duration":
			o.duration = &duration
		case "rate":
			o.rate = &rate
		case "canary-share":
			o.canaryShare = &share
		case "head-sampling":
			o.headSampling = &head
		}
	})
	switch {
	case o.scenario == "":
		return nil, errors.New("--scenario is required")
	case (o.endpoint == "") == (o.output == ""):
		return nil, errors.New("give exactly one of --endpoint and --output")
	case o.protocol != traffic.ProtocolGRPC && o.protocol != traffic.ProtocolHTTP:
		return nil, fmt.Errorf("--protocol %q is not grpc or http", o.protocol)
	case o.batchSize <= 0:
		return nil, fmt.Errorf("--batch-size %d is not positive", o.batchSize)
	case o.exportTimeout <= 0:
		return nil, fmt.Errorf("--export-timeout %v is not positive", o.exportTimeout)
	case o.duration != nil && *o.duration <= 0:
		return nil, fmt.Errorf("--duration %v is not positive", *o.duration)
	}
	if start != "" {
		t, err := time.Parse(time.RFC3339Nano, start)
		if err != nil {
			return nil, fmt.Errorf("--start %q is not an RFC 3339 time: %w", start, err)
		}
		o.start = t
	}
	return o, nil
}

// apply writes the overrides into the scenario and validates the result, so
// a bad override is reported like a bad scenario value.
func (o *options) apply(s *traffic.Scenario) error {
	if o.duration != nil {
		s.Duration = *o.duration
	}
	if o.rate != nil {
		if *o.rate <= 0 {
			return fmt.Errorf("--rate %g is not positive", *o.rate)
		}
		s.Rate = *o.rate
	}
	if o.canaryShare != nil {
		s.CanaryShare = o.canaryShare
		s.CanarySteps = nil
	}
	if o.headSampling != nil {
		s.HeadSampling = o.headSampling
		if *o.headSampling == 0 {
			s.HeadSampling = nil
		}
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("after command-line overrides: %w", err)
	}
	return nil
}
