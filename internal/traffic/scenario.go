package traffic

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"gopkg.in/yaml.v3"
)

// Scenario is a canary release described as a YAML file: the services, their
// operations and call graph, and how each operation behaves for each stage.
// The schema is documented with an example in cmd/canarygen/README.md.
type Scenario struct {
	// Name labels the scenario in summaries; the file name when empty.
	Name string `yaml:"name"`
	// Description is free text for the reader of the file.
	Description string `yaml:"description"`
	// Duration is how long traffic runs, in (simulated or wall) time.
	// Zero means DefaultDuration.
	Duration time.Duration `yaml:"duration"`
	// Rate is the number of requests per second arriving at the entries.
	// Zero means DefaultRate.
	Rate float64 `yaml:"rate"`
	// CanaryShare is the share of calls into the release service served by
	// its canary pods, in [0, 1]. Nil means DefaultCanaryShare.
	CanaryShare *float64 `yaml:"canary_share"`
	// CanarySteps changes the canary share during the run: each step applies
	// from its offset until the next one. Before the first step CanaryShare
	// applies.
	CanarySteps []CanaryStep `yaml:"canary_steps"`
	// HeadSampling is the percentage of traces the SDK keeps, in (0, 100].
	// Nil means no head sampling (every trace is kept and no th is written).
	HeadSampling *float64 `yaml:"head_sampling"`
	// Entries are the operations requests arrive at, chosen by weight.
	Entries []Entry `yaml:"entries"`
	// Services are the pods of the system. Exactly one of them has a
	// canary version: the release.
	Services []Service `yaml:"services"`

	// file is where the scenario was read from, for error messages.
	file string
}

// CanaryStep sets the canary share from a point in the run onwards.
type CanaryStep struct {
	// At is the offset from the start of the run.
	At time.Duration `yaml:"at"`
	// Share is the canary share in [0, 1] from At on.
	Share float64 `yaml:"share"`
}

// Entry is an operation that receives requests from outside the system.
type Entry struct {
	Service   string `yaml:"service"`
	Operation string `yaml:"operation"`
	// Weight is the relative share of requests; zero means 1.
	Weight float64 `yaml:"weight"`
}

// Service is a group of pods running one service.
type Service struct {
	Name string `yaml:"name"`
	// Version is the stable pods' service.version.
	Version string `yaml:"version"`
	// CanaryVersion, when set, makes this service the release: it gets a
	// second pod group with deployment.stage=canary and this version.
	CanaryVersion string `yaml:"canary_version"`
	// Operations are the spans this service records.
	Operations []Operation `yaml:"operations"`
}

// Operation is one kind of span a service records.
type Operation struct {
	Name string `yaml:"name"`
	// Kind is server (default), internal, consumer or producer.
	Kind string `yaml:"kind"`
	// Behavior applies to every stage unless Stable or Canary override it.
	Behavior `yaml:",inline"`
	// Stable and Canary override Behavior for one stage. For the release
	// service the stage is its pod group; for other services it is the
	// stage in the caller's baggage, so a regression can hit a downstream
	// service only when called from the canary.
	Stable *Behavior `yaml:"stable"`
	Canary *Behavior `yaml:"canary"`
	// Calls are made one after another while the operation runs.
	Calls []Call `yaml:"calls"`
	// Attributes are added to every span of this operation.
	Attributes map[string]string `yaml:"attributes"`
}

// Behavior is how an operation performs. Nil fields inherit.
type Behavior struct {
	// ErrorRate is the probability in [0, 1] that a span fails.
	ErrorRate *float64 `yaml:"error_rate"`
	// Latency is the operation's own time, without its calls.
	Latency *Latency `yaml:"latency"`
}

// Latency is a lognormal distribution given by its median and 99th
// percentile, with an optional slow tail.
type Latency struct {
	Median time.Duration `yaml:"median"`
	// P99 equal to Median (or zero) means a constant latency.
	P99  time.Duration `yaml:"p99"`
	Slow *SlowTail     `yaml:"slow"`
}

// SlowTail replaces a share of the latencies by a second, slower lognormal.
type SlowTail struct {
	Share  float64       `yaml:"share"`
	Median time.Duration `yaml:"median"`
	P99    time.Duration `yaml:"p99"`
}

// Call is a call from one operation to another. A call to another service
// records a client span in the caller and crosses a propagator; a call within
// the same service records only the callee's span.
type Call struct {
	Service   string `yaml:"service"`
	Operation string `yaml:"operation"`
	// Network is the time between the client span and the server span, split
	// evenly before and after. Zero means DefaultNetwork.
	Network time.Duration `yaml:"network"`
}

// Defaults the lead chose for issue 2.
const (
	DefaultRate        = 200.0
	DefaultCanaryShare = 0.05
	DefaultDuration    = 30 * time.Minute
	DefaultNetwork     = 400 * time.Microsecond
)

// maxScenarioBytes bounds what the parser reads: scenarios are hand-written
// and a few kilobytes; anything larger is a mistake, not a scenario.
const maxScenarioBytes = 1 << 20

// LoadScenario reads and validates a scenario file.
func LoadScenario(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxScenarioBytes+1))
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	return ParseScenario(path, data)
}

// ParseScenario decodes and validates a scenario. file names the source in
// errors. Unknown keys are rejected so a misspelt key is not silently ignored.
func ParseScenario(file string, data []byte) (*Scenario, error) {
	if len(data) > maxScenarioBytes {
		return nil, fmt.Errorf("scenario %s: larger than %d bytes", file, maxScenarioBytes)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Scenario
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("scenario %s: empty file", file)
		}
		return nil, fmt.Errorf("scenario %s: %w", file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("scenario %s: more than one YAML document", file)
	}
	s.file = file
	if s.Name == "" {
		s.Name = file
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}
