package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/internal/sampling"
	"github.com/canarytrace/canarytrace/internal/stage"
)

// Chunk sizes of a trace's span buffer. A trace's spans go into chunks of
// doubling size instead of one slice that doubles: growing a slice copies
// it and leaves the old array as garbage, which for ~8-span traces was
// half of all the bytes the processor allocated. A span never straddles
// two chunks.
const (
	firstChunk = 256
	maxChunk   = 16 << 10
)

// bufferedTrace is a trace waiting for its decision: its spans in the
// compact encoding, and the summary its decision is made on.
type bufferedTrace struct {
	id       pcommon.TraceID
	arrived  int64    // clock reading at the first span
	chunks   [][]byte // the encoded spans
	contexts []*scopeContext
	count    int
	summary  traceSummary
	// lastTraceState caches the last parsed tracestate: the spans of one
	// trace almost always carry the same one.
	lastTraceState string
	// prev and next link the shard's traces in arrival order, so a trace
	// decided early leaves the order in O(1).
	prev, next *bufferedTrace
	// rebuffered marks a trace whose decision had been forgotten by the
	// decision caches when its first span arrived here.
	rebuffered bool
	// decided is set, under the shard's lock, when the trace leaves its
	// shard.
	decided bool
}

// traceSummary is everything the policies look at.
type traceSummary struct {
	arm         stage.Arm
	hasError    bool
	hasRoot     bool
	maxDuration int64 // nanoseconds, of the longest span
	// upstream is the highest th any span carried (AlwaysSample if none):
	// the probability with which earlier stages kept the trace.
	upstream   sampling.Threshold
	randomness sampling.Randomness
	hasRV      bool
	// canaryValue and stableValue are the first stage values of each arm
	// seen in the trace, for stage.annotate (only recorded when annotating).
	canaryValue, stableValue string
}

// contextIndex returns the index of sc among the trace's contexts, adding
// it if new. Traces touch few resources, so a scan beats a map.
func (t *bufferedTrace) contextIndex(sc *scopeContext) int {
	for i := len(t.contexts) - 1; i >= 0; i-- {
		if t.contexts[i] == sc {
			return i
		}
	}
	if t.contexts == nil {
		// One allocation for the common case of a trace crossing a few
		// services.
		t.contexts = make([]*scopeContext, 0, 4)
	}
	t.contexts = append(t.contexts, sc)
	return len(t.contexts) - 1
}

// add encodes s (of context sc) into the trace and updates its summary.
// scratch is a buffer the caller reuses across spans; add returns it, and
// whether the span brought a tracestate that is not valid (counted).
func (t *bufferedTrace) add(e *encoder, sc *scopeContext, s ptrace.Span, m *memo, scratch []byte) ([]byte, bool) {
	scratch, facts := e.appendSpan(scratch[:0], t.contextIndex(sc), s, m)
	t.store(scratch)
	t.count++
	sum := &t.summary
	sum.hasError = sum.hasError || facts.err
	sum.hasRoot = sum.hasRoot || facts.root
	sum.maxDuration = max(sum.maxDuration, facts.duration)
	invalid := false
	if facts.traceState != "" && facts.traceState != t.lastTraceState {
		t.lastTraceState = facts.traceState
		invalid = !t.readTraceState(facts.traceState)
	}
	spanArm := e.classifier.Missing()
	if facts.hasStage {
		spanArm = e.classifier.Arm(facts.stage)
	}
	t.touch(e, sc.resource.arm, sc.resource.stage)
	t.touch(e, spanArm, facts.stage)
	return scratch, invalid
}

// store appends one encoded span to the last chunk, or to a new one twice
// the size of the last when it does not fit.
func (t *bufferedTrace) store(span []byte) {
	last := len(t.chunks) - 1
	if last < 0 || cap(t.chunks[last])-len(t.chunks[last]) < len(span) {
		size := firstChunk
		if last >= 0 {
			size = min(2*cap(t.chunks[last]), maxChunk)
		} else {
			t.chunks = make([][]byte, 0, 2)
		}
		t.chunks = append(t.chunks, make([]byte, 0, max(size, len(span))))
		last++
	}
	t.chunks[last] = append(t.chunks[last], span...)
}

// readTraceState folds a span's th (raising the trace's upstream threshold)
// and rv into the summary, and reports whether raw was valid. An
// unparseable tracestate contributes nothing: the specification treats an
// invalid th as absent.
func (t *bufferedTrace) readTraceState(raw string) bool {
	ts, err := sampling.ParseTraceState(raw)
	if th, ok := ts.Threshold(); ok {
		t.summary.upstream = sampling.MaxThreshold(t.summary.upstream, th)
	}
	if rv, ok := ts.Randomness(); ok && !t.summary.hasRV {
		t.summary.randomness, t.summary.hasRV = rv, true
	}
	return err == nil
}

// touch records that the trace has a span in arm a: canary wins over
// stable, stable over none.
func (t *bufferedTrace) touch(e *encoder, a stage.Arm, value string) {
	sum := &t.summary
	switch a {
	case stage.Canary:
		if e.annotate && value != "" && (sum.canaryValue == "" || isRelease(value) && !isRelease(sum.canaryValue)) {
			sum.canaryValue = strings.Clone(value)
		}
		sum.arm = stage.Canary
	case stage.Stable:
		if e.annotate && sum.stableValue == "" && value != "" {
			sum.stableValue = strings.Clone(value)
		}
		if sum.arm == stage.None {
			sum.arm = stage.Stable
		}
	}
}

// isRelease reports a release-qualified stage value (service@version).
func isRelease(value string) bool {
	_, _, ok := stage.ParseRelease(value)
	return ok
}

// stageValue is the value stage.annotate writes onto the trace's spans
// that carry none: the first value of the trace's arm it saw (for canary,
// the first release-qualified one if any, which tells two releases apart
// downstream), or the arm's name when that arm came from stage.default.
func (s *traceSummary) stageValue() string {
	switch s.arm {
	case stage.Canary:
		if s.canaryValue != "" {
			return s.canaryValue
		}
	case stage.Stable:
		if s.stableValue != "" {
			return s.stableValue
		}
	}
	return s.arm.String()
}

// randomnessOf returns the randomness the probabilistic decision uses: an
// explicit rv from any span's tracestate, else the trace ID's.
func (s *traceSummary) randomnessOf(id pcommon.TraceID) sampling.Randomness {
	if s.hasRV {
		return s.randomness
	}
	return sampling.RandomnessFromTraceID(id)
}
