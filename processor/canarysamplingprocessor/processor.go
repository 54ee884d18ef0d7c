package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"
)

// canarySampler is the canary_sampling processor.
type canarySampler struct {
	core
	next      consumer.Traces
	logger    *zap.Logger
	telemetry *telemetry
	clock     func() int64 // nanoseconds on a monotonic clock
	tick      time.Duration

	stop      chan struct{}
	done      chan struct{}
	startOnce sync.Once
	stopOnce  sync.Once
	lastSweep int64
	// fullOnce logs the first time max_traces forces early decisions; the
	// early_decisions metric counts every time.
	fullOnce sync.Once
}

var _ processor.Traces = (*canarySampler)(nil)

func newCanarySampler(set processor.Settings, cfg *Config, next consumer.Traces) (*canarySampler, error) {
	tel, err := newTelemetry(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	p := &canarySampler{
		next:      next,
		logger:    set.Logger,
		telemetry: tel,
		clock:     func() int64 { return int64(time.Since(start)) },
		tick:      min(max(cfg.DecisionWait/10, minTick), maxTick),
	}
	p.core = newCore(cfg, tel.internedStrings)
	return p, nil
}

func (p *canarySampler) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

func (p *canarySampler) Start(context.Context, component.Host) error {
	p.startOnce.Do(func() {
		p.stop, p.done = make(chan struct{}), make(chan struct{})
		go p.run()
	})
	return nil
}

func (p *canarySampler) run() {
	defer close(p.done)
	t := time.NewTicker(p.tick)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.decideExpired(context.Background(), p.clock())
		}
	}
}

// Shutdown stops the ticker, then decides and forwards every buffered
// trace, so a clean stop loses no span.
func (p *canarySampler) Shutdown(ctx context.Context) error {
	p.stopOnce.Do(func() {
		if p.stop != nil {
			close(p.stop)
			<-p.done
		}
	})
	var decided []decidedTrace
	for i := range p.shards {
		sh := &p.shards[i]
		sh.mu.Lock()
		decided = sh.expire(&p.core, math.MaxInt64, decided)
		sh.mu.Unlock()
	}
	err := p.emit(ctx, p.clock(), decided, nil)
	p.telemetry.shutdown()
	return err
}

// decideExpired decides every trace buffered for decision_wait by now.
func (p *canarySampler) decideExpired(ctx context.Context, now int64) {
	p.encoder.dict.publish()
	if now-p.lastSweep >= p.wait {
		p.contexts.sweepUnused()
		p.lastSweep = now
	}
	var decided []decidedTrace
	for i := range p.shards {
		sh := &p.shards[i]
		sh.mu.Lock()
		decided = sh.expire(&p.core, now-p.wait, decided)
		sh.mu.Unlock()
	}
	if err := p.emit(ctx, now, decided, nil); err != nil {
		p.logger.Error("Failed to forward sampled traces", zap.Error(err))
	}
}

func (p *canarySampler) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	b := batch{now: p.clock()}
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		rs := rss.At(i)
		var rc *resourceContext
		b.late.enterResource()
		sss := rs.ScopeSpans()
		for j := range sss.Len() {
			ss := sss.At(j)
			spans := ss.Spans()
			if spans.Len() == 0 {
				continue
			}
			if rc == nil {
				rc = p.contexts.resource(rs)
			}
			sc := p.contexts.scope(rc, ss)
			b.late.enterScope()
			for k := range spans.Len() {
				s := spans.At(k)
				id := s.TraceID()
				sh := p.shardOf(id)
				sh.mu.Lock()
				outcome, th := sh.receive(&p.core, id, sc, s, &b)
				sh.mu.Unlock()
				switch outcome {
				case spanLateKept:
					b.late.keep(rs, ss, s, th)
				case spanLateDropped:
					b.late.dropped++
				}
			}
		}
	}
	for _, t := range b.roots {
		sh := p.shardOf(t.id)
		sh.mu.Lock()
		b.decided = sh.decideIfBuffered(&p.core, t, b.decided)
		sh.mu.Unlock()
	}
	p.telemetry.recordBatch(ctx, &b)
	if b.early[causeMaxTraces] > 0 {
		p.fullOnce.Do(func() {
			p.logger.Warn("max_traces reached: the oldest traces are decided before decision_wait; see processor_canary_sampling_early_decisions")
		})
	}
	// The received spans are safely buffered or forwarded; an error from
	// the next consumer concerns other traces' spans and must not make the
	// sender retry (and duplicate) this batch.
	if err := p.emit(ctx, b.now, b.decided, b.late.out); err != nil {
		p.logger.Error("Failed to forward sampled traces", zap.Error(err))
	}
	return nil
}

// maxForwardSpans bounds the spans of one ConsumeTraces call downstream. A
// decision tick at high load, and the flush at shutdown, decide tens of
// thousands of spans at once; sent as one request they exceed the 4 MiB a
// gRPC server accepts by default (36k canarygen spans measured 5 MB), and
// an exporter without a batch processor in front would drop them whole.
const maxForwardSpans = 4096

// emit records the decisions, rebuilds the kept traces and forwards them
// with extra (late kept spans; nil when none), in requests of at most
// maxForwardSpans spans (a trace is never split).
func (p *canarySampler) emit(ctx context.Context, now int64, decided []decidedTrace, extra *ptrace.Traces) error {
	p.telemetry.recordDecisions(ctx, now, decided)
	var errs error
	out := newOutput(extra)
	for _, d := range decided {
		if d.decision.keep {
			if out.spans >= maxForwardSpans {
				errs = errors.Join(errs, p.next.ConsumeTraces(ctx, out.traces))
				out = newOutput(nil)
			}
			if err := out.appendTrace(&p.encoder, d.trace, d.decision); err != nil {
				p.logger.Error("Dropped a kept trace whose buffer could not be read", zap.Error(err))
			}
		}
		d.trace.chunks = nil
	}
	if out.spans > 0 {
		errs = errors.Join(errs, p.next.ConsumeTraces(ctx, out.traces))
	}
	return errs
}
