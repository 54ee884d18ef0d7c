package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import (
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/internal/sampling"
)

// thresholdWriter sets the `th` of a kept span's tracestate to the
// threshold of its trace's decision. A span may already carry a higher th
// than the decision's (a late span whose upstream sampled it at a lower
// rate than the rest of its trace): it keeps its own, because a stage may
// never lower th, and its own is the probability with which that span
// reached us, while this stage kept everything that did (R >= its th >=
// ours). An unparseable tracestate is replaced by one holding only th:
// W3C lets a vendor discard an invalid list, and a kept span without th
// would be counted with the wrong weight downstream.
type thresholdWriter struct {
	threshold sampling.Threshold
	fresh     string // "ot=th:…" for spans with no tracestate
	lastIn    string // memo: spans of a trace share their tracestate
	lastOut   string
}

func (w *thresholdWriter) write(s ptrace.Span) {
	raw := s.TraceState().AsRaw()
	if raw == "" {
		if w.fresh == "" {
			var ts sampling.TraceState
			ts.SetThreshold(w.threshold)
			w.fresh = ts.String()
		}
		s.TraceState().FromRaw(w.fresh)
		return
	}
	if raw != w.lastIn {
		w.lastIn, w.lastOut = raw, rewriteThreshold(raw, w.threshold)
	}
	s.TraceState().FromRaw(w.lastOut)
}

func rewriteThreshold(raw string, th sampling.Threshold) string {
	// On a malformed list ParseTraceState returns the empty TraceState; on
	// a malformed th it drops th and keeps the rest.
	ts, _ := sampling.ParseTraceState(raw)
	if own, ok := ts.Threshold(); ok {
		th = sampling.MaxThreshold(own, th)
	}
	ts.SetThreshold(th)
	return ts.String()
}
