package canaryanalysisconnector

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector/internal/metadata"
	"github.com/canarytrace/canarytrace/internal/eventtime"
	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/evidencemetrics"
	"github.com/canarytrace/canarytrace/internal/judge"
	"github.com/canarytrace/canarytrace/internal/release"
)

// mergedOnly sizes the trace cache of evidence that is only merged into,
// never observed into: it needs none.
const mergedOnly = 1

// canaryConnector is the traces-to-metrics connector. The lock is taken
// once per resource to read and record its spans, and once per advance to
// evaluate steps. Metrics are sent outside it.
type canaryConnector struct {
	cfg         Config
	next        consumer.Metrics
	logger      *zap.Logger
	tel         *metadata.TelemetryBuilder
	instance    string
	windowSteps int
	live        bool

	mu sync.Mutex
	// reader reads span facts; it keeps a tracestate cache, under mu.
	reader *reader
	// warmed keeps the results of Evidence.Warm (see recordResource).
	warmed uint32
	// ownEvidence is whether the resource's spans without a stage
	// attribute were evidence, as its last such span was.
	ownEvidence ownEvidence
	clock       *eventtime.Watermark
	// wall is the clock the watermark reads when live (nil in span time),
	// held once per batch of spans.
	wall     *heldClock
	releases *release.Registry
	ops      *operations
	series   map[seriesKey]*series
	// pending holds what was observed since the last evaluation: spans are
	// observed once, here; each evaluation merges it into evidence (cells,
	// not spans: far cheaper) and exports it as the delta.
	pending *evidence.Evidence
	// evidence holds the steps not yet judged (and every run's start and
	// exemplars); the judge folds each step into its running statistics.
	evidence *evidence.Evidence
	judge    *judge.Judge
	// verdicts remembers each release's last overall verdict.
	verdicts map[release.Key]judge.Verdict
	attBuf   []release.Attribution
	// memo holds attributions of the resource being recorded (see
	// attribute).
	memo attributionMemo
	// resourceOps holds the operations of the resource being recorded.
	resourceOps resourceOps
	// layout is the dimension layout, for writing operation attributes.
	layout  *reader
	scratch whist
	// seen is the evidence's counters already recorded in telemetry.
	seen evidence.Stats
	// onVerdict, when set (backtest), sees every release verdict judged.
	onVerdict func(judge.ReleaseVerdict)

	stop chan struct{}
	done chan struct{}
}

// counts gathers telemetry increments under the lock; they are recorded
// after it is released.
type counts struct {
	noArm, ambiguous, overflowed, late, skewed int64
	invalidTraceStates                         int64
}

func newConnector(set connector.Settings, cfg Config, next consumer.Metrics, now func() time.Time) (*canaryConnector, error) {
	tel, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	j, err := judge.New(cfg.Criteria)
	if err != nil {
		return nil, err
	}
	steps := int(cfg.Window / cfg.Interval)
	var wall *heldClock
	if now != nil {
		wall = &heldClock{now: now}
		now = wall.Now
	}
	c := &canaryConnector{
		cfg:         cfg,
		next:        next,
		logger:      set.Logger,
		tel:         tel,
		instance:    instanceID(set),
		windowSteps: steps,
		live:        now != nil,
		clock: eventtime.New(eventtime.Config{
			Interval:        cfg.Interval,
			AllowedLateness: cfg.AllowedLateness,
			MaxFutureSkew:   cfg.MaxFutureSkew,
			// Steps further back than the window would show empty gauges and
			// judge the same evidence as the newest: skip them (counted).
			MaxSteps: steps,
		}, now),
		wall:     wall,
		releases: release.NewRegistry(cfg.Stage),
		ops:      newOperations(cfg.MaxSeries),
		series:   map[seriesKey]*series{},
		evidence: evidence.NewWithTraceCache(mergedOnly),
		judge:    j,
		pending:  evidence.NewWithTraceCache(cfg.TraceCacheEntries),
		verdicts: map[release.Key]judge.Verdict{},
	}
	c.reader = newReader(&c.cfg)
	return c, nil
}

// instanceID is the collector's own service.instance.id, so evidence of
// different instances stays apart; a random one when it has none.
func instanceID(set connector.Settings) string {
	if v, ok := set.Resource.Attributes().Get(attrServiceInstanceID); ok && v.AsString() != "" {
		return v.AsString()
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (c *canaryConnector) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

// Start runs the wall-clock ticker of a live collector: steps are judged
// even when no spans arrive.
func (c *canaryConnector) Start(context.Context, component.Host) error {
	if !c.live {
		return nil
	}
	c.stop, c.done = make(chan struct{}), make(chan struct{})
	go c.tick()
	return nil
}

func (c *canaryConnector) tick() {
	defer close(c.done)
	// A quarter interval keeps a step's verdict at most that late.
	t := time.NewTicker(max(c.cfg.Interval/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			if err := c.advance(context.Background(), false); err != nil {
				c.logger.Warn("sending canary metrics failed", zap.Error(err))
			}
		}
	}
}

// Shutdown stops the ticker and sends the evidence observed since the last
// evaluation: it is delta, so what is not sent now is lost to the
// canary_verdict exporter. (Downstream components shut down after this
// one, so they still accept it.)
func (c *canaryConnector) Shutdown(ctx context.Context) error {
	if c.stop != nil {
		close(c.stop)
		<-c.done
		c.stop = nil
	}
	err := c.flushEvidence(ctx)
	c.tel.Shutdown()
	return err
}

func (c *canaryConnector) flushEvidence(ctx context.Context) error {
	c.mu.Lock()
	if !c.cfg.ExportEvidence || c.pending.Len() == 0 {
		c.mu.Unlock()
		return nil
	}
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr(attrServiceInstanceID, c.instance)
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(metadata.ScopeName)
	// No watermark: no step was evaluated.
	evidencemetrics.Encode(c.pending, evidencemetrics.Export{Interval: c.cfg.Interval}, sm)
	c.pending.Reset()
	c.mu.Unlock()
	return c.next.ConsumeMetrics(ctx, md)
}

// ConsumeTraces records every span, then judges the steps the watermark
// has passed and sends their metrics.
func (c *canaryConnector) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	var n counts
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		// The lock is taken per resource (one pod's spans, usually up to
		// a few hundred), not per batch: a large batch does not hold off
		// the ticker's evaluation or other receivers for its whole length.
		c.mu.Lock()
		c.recordResource(rss.At(i), &n)
		n.invalidTraceStates += c.reader.invalidTraceStates
		c.reader.invalidTraceStates = 0
		c.mu.Unlock()
	}
	c.count(ctx, n)
	// The spans are recorded: failing the call would make the receiver
	// retry them and count them twice. A metrics failure is logged instead.
	if err := c.advance(ctx, false); err != nil {
		c.logger.Warn("sending canary metrics failed", zap.Error(err))
	}
	return nil
}

// recordResource reads and records each span of one resource as it goes:
// reading spans into a buffer first, outside the lock, cost more in
// memory traffic than it gained in parallelism. The caller holds the lock.
func (c *canaryConnector) recordResource(rs ptrace.ResourceSpans, n *counts) {
	r := c.reader
	res := r.resource(rs.Resource())
	c.wall.hold()
	defer c.wall.release()
	now := c.wall.unixNano()
	c.memo.reset()
	c.resourceOps.reset()
	c.ownEvidence = ownEvidenceUnknown
	sss := rs.ScopeSpans()
	for i := 0; i < sss.Len(); i++ {
		spans := sss.At(i).Spans()
		for j := 0; j < spans.Len(); j += warmAhead {
			next := min(j+warmAhead, spans.Len())
			// Touch the next spans, and their trace-cache entries, first:
			// their cache misses then overlap instead of stalling each
			// span's recording in turn. The entries are touched only while
			// the resource's spans are evidence: most services have no
			// release running, and only spans a canary called (which carry
			// a stage attribute) are evidence there.
			for k := j; k < next; k++ {
				if c.ownEvidence != ownEvidenceNone {
					c.warmed += c.pending.Warm(spans.At(k).TraceID())
				} else {
					c.warmed += uint32(spans.At(k).TraceID()[15])
				}
			}
			for k := j; k < next; k++ {
				f := spanFacts{}
				r.span(spans.At(k), &res, &f)
				c.record(&res, &f, now, n)
			}
		}
	}
}

// ownEvidence says whether a resource's spans without a stage attribute
// are observed as evidence (their resource's stage makes them an arm of a
// release), as far as the last one told.
type ownEvidence uint8

const (
	ownEvidenceUnknown ownEvidence = iota
	ownEvidenceNone
	ownEvidenceSome
)

// warmAhead is how many spans' trace-cache entries are loaded ahead of
// recording them: enough misses in flight to overlap, few enough that the
// lines are still in the CPU's first-level cache when used.
const warmAhead = 32

func (c *canaryConnector) count(ctx context.Context, n counts) {
	if n.noArm > 0 {
		c.tel.ConnectorCanaryAnalysisUnattributedSpans.Add(ctx, n.noArm, metric.WithAttributes(attribute.String(attrReason, release.NoArm.String())))
	}
	if n.ambiguous > 0 {
		c.tel.ConnectorCanaryAnalysisUnattributedSpans.Add(ctx, n.ambiguous, metric.WithAttributes(attribute.String(attrReason, release.Ambiguous.String())))
	}
	if n.overflowed > 0 {
		c.tel.ConnectorCanaryAnalysisOverflowedSpans.Add(ctx, n.overflowed)
	}
	if n.late > 0 {
		c.tel.ConnectorCanaryAnalysisLateSpans.Add(ctx, n.late)
	}
	if n.skewed > 0 {
		c.tel.ConnectorCanaryAnalysisFutureSkewedSpans.Add(ctx, n.skewed)
	}
	if n.invalidTraceStates > 0 {
		c.tel.ConnectorCanaryAnalysisInvalidTracestates.Add(ctx, n.invalidTraceStates)
	}
}

// record adds one span to the user metrics, the window and the evidence of
// every release it is attributed to, now being the wall clock held for the
// resource (Unix ns; 0 in span time). The caller holds the lock.
func (c *canaryConnector) record(res *resourceFacts, f *spanFacts, now int64, n *counts) {
	arrival, ok := c.clock.ObserveNewest(f.end, now)
	if !ok {
		arrival = c.clock.ObserveUnixNanoAt(f.end, now)
	}
	n.skewed += int64(arrival.Ignored)
	atts, primary, why, ok := c.memo.recall(f, c.releases.Stamp())
	if !ok {
		atts, primary, why = c.attribute(res, f)
	}
	if !f.hasStage {
		c.ownEvidence = ownEvidenceNone
		if len(atts) > 0 {
			c.ownEvidence = ownEvidenceSome
		}
	}
	switch why {
	case release.NoArm:
		n.noArm++
		return
	case release.Ambiguous:
		n.ambiguous++
	}
	ro := c.resourceOps.get(c.ops, res.service, f)
	op := ro.op
	if ro.overflowed {
		n.overflowed++
	}
	op.lastEnd = max(op.lastEnd, f.end)
	sp := &f.span
	sp.FindBucket()
	bucket, zero := sp.Bucket()

	s := ro.series[primary]
	if s == nil {
		s = c.seriesOf(seriesKey{op: op, version: res.version, arm: primary}, arrival.Step)
		ro.series[primary] = s
	}
	// A multiplication, not Duration.Seconds' division: the sum's last
	// bits do not matter, the per-span cost does. Spans late or far ahead
	// count in canary.calls and canary.duration but not in the window
	// gauges.
	s.add(arrival.Step, !arrival.Late && !arrival.Ahead, f.adjusted, sp.Error, float64(sp.Duration)*1e-9, bucket, zero, f.end)

	// Evidence of a span far ahead is kept at the reference's step (see
	// eventtime.Arrival).
	evStep := evidence.Step(arrival.Step)
	if arrival.Late {
		n.late++
		// Its own step is judged already, and the judge folds each step
		// once: a late span joins the first step still open, so it still
		// counts as run evidence, compared with that step's other arm.
		if next, ok := c.clock.Next(); ok {
			evStep = evidence.Step(next)
		}
	}

	for _, a := range atts {
		c.pending.ObserveSeries(op.evidenceOf(a.Release, c.pending), a.Arm, evStep, f.threshold, sp)
	}
}

// seriesOf returns the series of k, starting it at step st if it is new.
func (c *canaryConnector) seriesOf(k seriesKey, st eventtime.Step) *series {
	s := c.series[k]
	if s == nil {
		s = newSeries(st.Start(c.cfg.Interval).UnixNano(), c.windowSteps)
		c.series[k] = s
		k.op.series[k.arm-1] = append(k.op.series[k.arm-1], s)
	}
	return s
}

// advance judges the steps the watermark has passed (all remaining ones
// when flush) and sends their metrics.
func (c *canaryConnector) advance(ctx context.Context, flush bool) error {
	c.mu.Lock()
	var steps eventtime.Steps
	var ok bool
	if flush {
		steps, ok = c.clock.Flush()
	} else {
		steps, ok = c.clock.Advance()
	}
	var md pmetric.Metrics
	var changes []judge.ReleaseVerdict
	var expired int
	if ok {
		md, changes, expired = c.evaluate(steps)
	}
	stats := c.pending.Stats()
	rejected, evicted := stats.Rejected-c.seen.Rejected, stats.TraceCacheEvictions-c.seen.TraceCacheEvictions
	c.seen = stats
	c.mu.Unlock()
	if rejected > 0 {
		c.tel.ConnectorCanaryAnalysisRejectedObservations.Add(ctx, int64(rejected))
	}
	if evicted > 0 {
		c.tel.ConnectorCanaryAnalysisTraceCacheEvictions.Add(ctx, int64(evicted))
	}
	if !ok {
		return nil
	}
	c.tel.ConnectorCanaryAnalysisEvaluations.Add(ctx, steps.Len())
	if steps.Skipped > 0 {
		c.tel.ConnectorCanaryAnalysisSkippedSteps.Add(ctx, steps.Skipped)
	}
	if expired > 0 {
		c.tel.ConnectorCanaryAnalysisExpiredReleases.Add(ctx, int64(expired))
	}
	for _, v := range changes {
		c.tel.ConnectorCanaryAnalysisVerdictChanges.Add(ctx, 1, metric.WithAttributes(attribute.String(attrVerdict, v.Verdict.Release())))
	}
	if md.DataPointCount() == 0 {
		return nil
	}
	return c.next.ConsumeMetrics(ctx, md)
}
