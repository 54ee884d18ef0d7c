package comparison

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/bench/workload"
	"github.com/canarytrace/canarytrace/internal/sampling"
)

// Kept is what a sampler forwarded, per kind of trace.
type Kept struct {
	Traces [workload.NumKinds]int
	Spans  [workload.NumKinds]int
	// Adjusted is the sum of the adjusted counts (1/p from each span's
	// `th`, 1 without one) of the kept spans: an unbiased sampler's
	// estimate of Truth.Spans.
	Adjusted [workload.NumKinds]float64
}

// sink is the next consumer: it counts kept traces by kind. It remembers
// the IDs of kept traces to count each once, so it is only fed after a
// memory measurement.
type sink struct {
	mu   sync.Mutex
	seen map[pcommon.TraceID]struct{}
	kept Kept
}

var _ consumer.Traces = (*sink)(nil)

func newSink() *sink { return &sink{seen: map[pcommon.TraceID]struct{}{}} }

func (*sink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (s *sink) ConsumeTraces(_ context.Context, td ptrace.Traces) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, span := range ss.Spans().All() {
				id := span.TraceID()
				k, ok := workload.KindOf(id)
				if !ok {
					continue // a quiescing probe, see flushPipeline
				}
				if _, dup := s.seen[id]; !dup {
					s.seen[id] = struct{}{}
					s.kept.Traces[k]++
				}
				s.kept.Spans[k]++
				s.kept.Adjusted[k] += sampling.AdjustedCountOf(span.TraceState().AsRaw())
			}
		}
	}
	return nil
}

func (s *sink) result() Kept {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kept
}

func (s *sink) spans() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.kept.Spans {
		n += c
	}
	return n
}
