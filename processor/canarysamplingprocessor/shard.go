package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import (
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/internal/sampling"
)

// shard holds the buffered traces whose IDs hash to it, with their own
// lock, so that concurrent batches contend only when their spans share a
// shard, and never for longer than one span's encoding.
type shard struct {
	mu       sync.Mutex
	traces   map[pcommon.TraceID]*bufferedTrace
	oldest   *bufferedTrace // arrival order: oldest first
	newest   *bufferedTrace
	capacity int // this shard's part of max_traces
	kept     *decisionCache
	dropped  *decisionCache
}

// decidedTrace is a trace taken out of its shard with its decision; it is
// owned by whoever took it, so it is rebuilt without any lock.
type decidedTrace struct {
	trace    *bufferedTrace
	decision decision
}

// spanOutcome is what happened to one received span.
type spanOutcome uint8

const (
	spanBuffered spanOutcome = iota
	spanLateKept
	spanLateDropped
)

// receive routes one span: into its buffered trace, or, when its trace was
// already decided, to the cached decision. The span is in context sc.
// Decisions forced by the bounds are appended to b.
func (sh *shard) receive(p *core, id pcommon.TraceID, sc *scopeContext, s ptrace.Span, b *batch) (spanOutcome, sampling.Threshold) {
	// Spans of one trace often follow each other in a batch: the last
	// trace is still the right one unless it was decided meanwhile.
	t, ok := b.last, b.last != nil && b.last.id == id && !b.last.decided
	if !ok {
		t, ok = sh.traces[id]
	}
	if !ok {
		if th, ok := sh.kept.get(id); ok {
			return spanLateKept, th
		}
		if _, ok := sh.dropped.get(id); ok {
			return spanLateDropped, sampling.Threshold{}
		}
		for len(sh.traces) >= sh.capacity {
			b.early[causeMaxTraces]++
			b.decided = append(b.decided, sh.decide(p, sh.oldest))
		}
		t = &bufferedTrace{id: id, arrived: b.now}
		t.rebuffered = sh.kept.forgotten.take(id)
		sh.traces[id] = t
		sh.append(t)
		b.newTraces++
	}
	b.last = t
	hadRoot := t.summary.hasRoot
	var invalidTS bool
	b.scratch, invalidTS = t.add(&p.encoder, sc, s, &b.memo, b.scratch)
	if invalidTS {
		b.invalidTraceStates++
	}
	switch {
	case t.count >= p.maxSpansPerTrace:
		b.early[causeMaxSpans]++
		b.decided = append(b.decided, sh.decide(p, t))
	case p.decideOnRoot && t.summary.hasRoot && !hadRoot:
		// Decided after the whole batch is buffered: the root's children
		// are often in the same batch.
		b.roots = append(b.roots, t)
	}
	return spanBuffered, sampling.Threshold{}
}

// decideIfBuffered decides t unless it was decided already (by a bound, or
// by the ticker since it was noted).
func (sh *shard) decideIfBuffered(p *core, t *bufferedTrace, out []decidedTrace) []decidedTrace {
	if t.decided {
		return out
	}
	return append(out, sh.decide(p, t))
}

// decide takes t out of the shard, decides it and caches the decision.
func (sh *shard) decide(p *core, t *bufferedTrace) decidedTrace {
	sh.unlink(t)
	delete(sh.traces, t.id)
	t.decided = true
	d := p.policies.decide(&t.summary, t.summary.randomnessOf(t.id))
	if d.keep {
		sh.kept.add(t.id, d.threshold)
	} else {
		sh.dropped.add(t.id, d.threshold)
	}
	return decidedTrace{trace: t, decision: d}
}

// expire decides every trace that arrived at or before deadline.
func (sh *shard) expire(p *core, deadline int64, out []decidedTrace) []decidedTrace {
	for sh.oldest != nil && sh.oldest.arrived <= deadline {
		out = append(out, sh.decide(p, sh.oldest))
	}
	return out
}

func (sh *shard) append(t *bufferedTrace) {
	t.prev = sh.newest
	if sh.newest != nil {
		sh.newest.next = t
	} else {
		sh.oldest = t
	}
	sh.newest = t
}

func (sh *shard) unlink(t *bufferedTrace) {
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		sh.oldest = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	} else {
		sh.newest = t.prev
	}
	t.prev, t.next = nil, nil
}
