package workload

import (
	"encoding/binary"
	"math/rand/v2"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Config describes the traffic.
type Config struct {
	// Traces is the number of traces generated.
	Traces int
	// Seed makes the traffic reproducible.
	Seed uint64
	// CanaryShare is the share of requests served by the canary checkout
	// pod.
	CanaryShare float64
	// ErrorShare is the share of requests that fail at the payment service,
	// drawn independently of the stage.
	ErrorShare float64
	// BatchSize is the most spans a pod exports at once (the SDK batch
	// span processor's default max_export_batch_size is 512).
	BatchSize int
	// FlushEvery is the number of traces after which every pod exports
	// what it holds, standing for the SDK's schedule delay: a trace's spans
	// reach the collector spread over several batches from several pods.
	FlushEvery int
	// Start is when the first request starts; zero means
	// 2026-01-01T00:00:00Z. Requests start 2 ms apart (500 a second), so
	// the workload covers Traces × 2 ms of span time. A connector that
	// follows the wall clock needs span time near it (see SpanTime).
	Start time.Time
}

// requestEvery is the span time between the starts of two requests.
const requestEvery = 2 * time.Millisecond

// defaultStart is the span time of the first request when Config.Start is
// zero: a fixed date keeps a seed's batches byte for byte the same.
var defaultStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// SpanTime is about how much span time the workload covers: from the
// first request's start to the last one's end, give or take the last
// request's own length (under 100 ms).
func (c Config) SpanTime() time.Duration {
	return time.Duration(c.Traces) * requestEvery
}

// DefaultConfig is the workload of issue 3: 5% canary, 0.5% errors,
// batches of up to 512 spans.
func DefaultConfig(traces int) Config {
	return Config{Traces: traces, Seed: 1, CanaryShare: 0.05, ErrorShare: 0.005, BatchSize: 512, FlushEvery: 500}
}

// Truth is what was generated, per kind.
type Truth struct {
	Traces [NumKinds]int
	Spans  [NumKinds]int
	// Calls and Errors count spans by stage as span-metrics connectors
	// see it: the span's deployment.stage attribute, else its resource's.
	Calls  [NumStages]int
	Errors [NumStages]int
	// LastEnd is the latest span end time, Unix nanoseconds.
	LastEnd int64
}

// Stage is a span's deployment.stage as span-metrics connectors read it.
type Stage int

const (
	StableStage Stage = iota
	CanaryStage
	// NumStages is the number of stages, for arrays indexed by Stage.
	NumStages
)

func (s Stage) String() string {
	if s == CanaryStage {
		return "canary"
	}
	return "stable"
}

// TotalSpans is the number of spans generated.
func (t Truth) TotalSpans() int {
	n := 0
	for _, s := range t.Spans {
		n += s
	}
	return n
}

// TotalTraces is the number of traces generated.
func (t Truth) TotalTraces() int {
	n := 0
	for _, s := range t.Traces {
		n += s
	}
	return n
}

// Generate streams the traffic to emit, one exported batch at a time, in
// the order pods would send them. emit owns each batch; Generate keeps no
// reference to it.
func Generate(cfg Config, emit func(ptrace.Traces)) Truth {
	g := newGenerator(cfg, emit)
	for i := range cfg.Traces {
		g.trace()
		if cfg.FlushEvery > 0 && (i+1)%cfg.FlushEvery == 0 {
			g.flushAll()
		}
	}
	g.flushAll()
	return g.truth
}

type generator struct {
	cfg   Config
	rng   *rand.Rand
	emit  func(ptrace.Traces)
	pods  [numServices][2]*pod // [service][canary?]
	truth Truth
	now   int64 // nanoseconds since the Unix epoch, advancing per trace
}

func newGenerator(cfg Config, emit func(ptrace.Traces)) *generator {
	start := cfg.Start
	if start.IsZero() {
		start = defaultStart
	}
	g := &generator{
		cfg:  cfg,
		rng:  rand.New(rand.NewPCG(cfg.Seed, 0x5eed)),
		emit: emit,
		now:  start.UnixNano(),
	}
	for s := range numServices {
		g.pods[s][0] = newPod(service(s), false, cfg.BatchSize, emit)
		if service(s) == checkout {
			g.pods[s][1] = newPod(service(s), true, cfg.BatchSize, emit)
		}
	}
	return g
}

func (g *generator) flushAll() {
	for s := range g.pods {
		for _, p := range g.pods[s] {
			if p != nil {
				p.flush()
			}
		}
	}
}

func (g *generator) traceID(k Kind) pcommon.TraceID {
	var id pcommon.TraceID
	binary.BigEndian.PutUint64(id[:8], g.rng.Uint64())
	binary.BigEndian.PutUint64(id[8:], g.rng.Uint64())
	id[0] = kindMarkers[k]
	return id
}

func (g *generator) spanID() pcommon.SpanID {
	var id pcommon.SpanID
	binary.BigEndian.PutUint64(id[:], g.rng.Uint64()|1) // never the invalid all-zero ID
	return id
}
