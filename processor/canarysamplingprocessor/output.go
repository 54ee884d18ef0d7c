package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import (
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/internal/sampling"
	"github.com/canarytrace/canarytrace/internal/stage"
)

// output rebuilds kept traces as pdata, with one ResourceSpans per distinct
// resource and one ScopeSpans per distinct scope, however many traces share
// them.
type output struct {
	traces    ptrace.Traces
	resources map[*resourceContext]ptrace.ResourceSpans
	scopes    map[*scopeContext]ptrace.SpanSlice
	spans     int
}

// newOutput starts from extra (late spans already grouped) when not nil.
func newOutput(extra *ptrace.Traces) *output {
	o := &output{traces: ptrace.NewTraces()}
	if extra != nil {
		o.traces = *extra
		o.spans = extra.SpanCount()
	}
	return o
}

func (o *output) spansOf(sc *scopeContext) ptrace.SpanSlice {
	if spans, ok := o.scopes[sc]; ok {
		return spans
	}
	if o.scopes == nil {
		o.scopes = map[*scopeContext]ptrace.SpanSlice{}
		o.resources = map[*resourceContext]ptrace.ResourceSpans{}
	}
	rs, ok := o.resources[sc.resource]
	if !ok {
		rs = o.traces.ResourceSpans().AppendEmpty()
		sc.resource.resource.CopyTo(rs.Resource())
		rs.SetSchemaUrl(sc.resource.schemaURL)
		o.resources[sc.resource] = rs
	}
	ss := rs.ScopeSpans().AppendEmpty()
	sc.scope.CopyTo(ss.Scope())
	ss.SetSchemaUrl(sc.schemaURL)
	o.scopes[sc] = ss.Spans()
	return ss.Spans()
}

// appendTrace decodes the kept trace t, writing the th of its decision into
// every span (see thresholdWriter) and, with stage.annotate, the trace's
// stage onto spans that carry none.
func (o *output) appendTrace(e *encoder, t *bufferedTrace, d decision) error {
	annotate := e.annotate && t.summary.arm != stage.None
	w := thresholdWriter{threshold: d.threshold}
	for _, chunk := range t.chunks {
		dec := decoder{dict: e.dict, buf: chunk}
		for {
			ctx, ok := dec.context()
			if !ok {
				break
			}
			if ctx >= len(t.contexts) {
				return errCorrupt
			}
			s := o.spansOf(t.contexts[ctx]).AppendEmpty()
			s.SetTraceID(t.id)
			flags := dec.span(s)
			w.write(s)
			if annotate && !flags.hasStage() {
				s.Attributes().PutStr(e.stageKey, t.summary.stageValue())
			}
			o.spans++
		}
		if dec.err != nil {
			return dec.err
		}
	}
	return nil
}

// enterResource and enterScope mark the start of a new input group: the
// next kept late span opens a new output group.
func (l *lateSpans) enterResource() { l.rsValid, l.ssValid = false, false }
func (l *lateSpans) enterScope()    { l.ssValid = false }

// keep copies a late span of a kept trace to the output, under copies of
// its resource and scope, with the cached decision's th.
func (l *lateSpans) keep(rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, s ptrace.Span, th sampling.Threshold) {
	if l.out == nil {
		td := ptrace.NewTraces()
		l.out = &td
	}
	if !l.rsValid {
		l.rs = l.out.ResourceSpans().AppendEmpty()
		rs.Resource().CopyTo(l.rs.Resource())
		l.rs.SetSchemaUrl(rs.SchemaUrl())
		l.rsValid = true
	}
	if !l.ssValid {
		l.ss = l.rs.ScopeSpans().AppendEmpty()
		ss.Scope().CopyTo(l.ss.Scope())
		l.ss.SetSchemaUrl(ss.SchemaUrl())
		l.ssValid = true
	}
	out := l.ss.Spans().AppendEmpty()
	s.CopyTo(out)
	w := thresholdWriter{threshold: th}
	w.write(out)
	l.kept++
}
