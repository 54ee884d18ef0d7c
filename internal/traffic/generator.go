package traffic

import (
	"context"
	"errors"
	"math/rand/v2"
	"sort"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Defaults of Config.
const (
	DefaultBatchSize     = 1024
	DefaultExportTimeout = 10 * time.Second
	// DefaultMaxConsecutiveFailures stops a run whose exporter keeps failing
	// rather than spending ExportTimeout on every remaining batch.
	DefaultMaxConsecutiveFailures = 3
	// realTimeFlush bounds how long spans wait in a batch in real-time mode.
	realTimeFlush = time.Second
)

// Config is one run of a scenario.
type Config struct {
	Scenario *Scenario
	// Exporter receives the spans in batches, synchronously: an OTLP
	// exporter, NewFileExporter, or an in-memory exporter in tests. Run does
	// not shut it down.
	Exporter sdktrace.SpanExporter
	// Seed fixes every random choice and every trace and span ID.
	Seed uint64
	// SimulatedClock takes timestamps from the schedule without waiting, so
	// thirty minutes of traffic are emitted as fast as they can be made.
	// Otherwise requests are paced in real time.
	SimulatedClock bool
	// Start is the first possible request time. Zero means now in real time,
	// and now minus the duration (to the second) with a simulated clock, so
	// a replay ends at the present.
	Start time.Time
	// BatchSize is the number of spans per export; zero means
	// DefaultBatchSize. Batches hold whole requests.
	BatchSize int
	// ExportTimeout bounds each export; zero means DefaultExportTimeout.
	ExportTimeout time.Duration
	// MaxConsecutiveFailures ends the run with an error after that many
	// failed exports in a row; zero means DefaultMaxConsecutiveFailures. A
	// failure before any export has succeeded always ends the run: the
	// endpoint is most likely wrong.
	MaxConsecutiveFailures int
}

// Run generates the scenario's traffic and hands it to cfg.Exporter. It
// returns the summary so far together with any error.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	if cfg.Scenario == nil || cfg.Exporter == nil {
		return Summary{}, errors.New("traffic: Config needs a Scenario and an Exporter")
	}
	r, err := newRunner(cfg)
	if err != nil {
		return Summary{}, err
	}
	defer r.topo.shutdown(context.Background())
	// Exports are not cancelled with ctx: what was generated before an
	// interrupt is still sent, within ExportTimeout per batch.
	r.out = startPipeline(context.WithoutCancel(ctx), cfg.Exporter, r.cfg.ExportTimeout, r.cfg.MaxConsecutiveFailures)
	err = r.run(ctx)
	if perr := r.out.close(); err == nil {
		err = perr
	}
	return r.summary(), err
}

type runner struct {
	cfg      Config
	scenario *Scenario
	topo     *topology
	batch    *batch
	rng      *rand.Rand
	start    time.Time
	duration time.Duration
	rate     float64

	out      *pipeline
	requests map[string]int64
	last     time.Time
}

func newRunner(cfg Config) (*runner, error) {
	s := cfg.Scenario
	r := &runner{
		cfg: cfg, scenario: s, batch: &batch{},
		rng:      rand.New(rand.NewPCG(cfg.Seed, 0xca7a)),
		duration: s.Duration, rate: s.Rate,
		requests: map[string]int64{},
	}
	if r.duration == 0 {
		r.duration = DefaultDuration
	}
	if r.rate == 0 {
		r.rate = DefaultRate
	}
	r.start = cfg.Start
	if r.start.IsZero() {
		r.start = time.Now()
		if cfg.SimulatedClock {
			r.start = r.start.Add(-r.duration).Truncate(time.Second)
		}
	}
	if r.cfg.BatchSize <= 0 {
		r.cfg.BatchSize = DefaultBatchSize
	}
	if r.cfg.ExportTimeout <= 0 {
		r.cfg.ExportTimeout = DefaultExportTimeout
	}
	if r.cfg.MaxConsecutiveFailures <= 0 {
		r.cfg.MaxConsecutiveFailures = DefaultMaxConsecutiveFailures
	}
	sampler := sdktrace.AlwaysSample()
	if s.HeadSampling != nil {
		var err error
		if sampler, err = newHeadSampler(*s.HeadSampling); err != nil {
			return nil, err
		}
	}
	topo, err := buildTopology(s, newSeededIDs(cfg.Seed), sampler, r.batch)
	if err != nil {
		return nil, err
	}
	r.topo = topo
	return r, nil
}

func (r *runner) run(ctx context.Context) error {
	lastFlush := time.Now()
	// Arrivals form a Poisson process: exponential gaps at the scenario's
	// rate, as independent users produce.
	offset := 0.0
	for {
		offset += r.rng.ExpFloat64() / r.rate
		at := r.start.Add(time.Duration(offset * float64(time.Second)))
		if at.Sub(r.start) >= r.duration {
			break
		}
		if err := ctx.Err(); err != nil {
			return errors.Join(err, r.flush())
		}
		if !r.cfg.SimulatedClock {
			// At low rates, do not hold finished spans through a long gap.
			if time.Until(at) > realTimeFlush {
				if err := r.flush(); err != nil {
					return err
				}
				lastFlush = time.Now()
			}
			if err := waitUntil(ctx, at); err != nil {
				return errors.Join(err, r.flush())
			}
		}
		r.emit(at)
		due := !r.cfg.SimulatedClock && time.Since(lastFlush) >= realTimeFlush
		if r.batch.len() >= r.cfg.BatchSize || due {
			if err := r.flush(); err != nil {
				return err
			}
			lastFlush = time.Now()
		}
	}
	return r.flush()
}

// emit generates one request arriving at at.
func (r *runner) emit(at time.Time) {
	op := r.topo.entries[sort.SearchFloat64s(r.topo.weights, r.rng.Float64())]
	req := &request{rng: r.rng, share: r.scenario.canaryShare(at.Sub(r.start))}
	ctx, pod := req.enter(context.Background(), op.svc)
	req.serve(ctx, pod, op, at)
	r.requests[req.stage]++
	r.last = at
}

// flush hands the spans made so far to the exporter as one batch.
func (r *runner) flush() error {
	spans := r.batch.take()
	if len(spans) == 0 {
		return nil
	}
	return r.out.send(spans)
}

// summary is read once the pipeline has stopped.
func (r *runner) summary() Summary {
	s := r.out.sum
	s.Scenario = r.scenario.Name
	s.Start = r.start
	s.End = r.last
	s.Requests = r.requests
	s.Spans = r.out.tally.sorted()
	if r.scenario.HeadSampling != nil {
		s.HeadSampling = *r.scenario.HeadSampling
	}
	return s
}

func waitUntil(ctx context.Context, at time.Time) error {
	d := time.Until(at)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// canaryShare is the share of calls into the release served by canary pods
// at an offset into the run.
func (s *Scenario) canaryShare(offset time.Duration) float64 {
	share := DefaultCanaryShare
	if s.CanaryShare != nil {
		share = *s.CanaryShare
	}
	for _, st := range s.CanarySteps {
		if offset < st.At {
			break
		}
		share = st.Share
	}
	return share
}
