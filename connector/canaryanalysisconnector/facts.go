package canaryanalysisconnector

import (
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/sampling"
)

// resourceFacts is what the connector reads once per resource.
type resourceFacts struct {
	service, version string
	stage            string
	hasStage         bool
	attrs            pcommon.Map
}

// spanFacts is what the connector reads from one span.
type spanFacts struct {
	name, kind, extra string
	// kindCode is the span kind when it is a dimension (kind is its
	// name), else 0.
	kindCode ptrace.SpanKind
	stage    string
	hasStage bool
	end      int64 // unix ns
	// span holds the trace ID, error and duration as evidence records
	// them; record finds its latency bucket.
	span      evidence.Span
	threshold uint64
	adjusted  float64
}

// reader extracts facts per the configuration. It is used under the
// connector's lock.
type reader struct {
	cfg *Config
	// extraDims are the dimensions beyond service.name, span.name and
	// span.kind; withName and withKind say whether those two are
	// dimensions.
	extraDims          []string
	withName, withKind bool
	// strata caches tracestate strings: spans of a trace share one, and a
	// sampler writes a handful of distinct thresholds.
	strata map[string]stratum
	// invalidTraceStates counts spans read since the last take whose
	// tracestate was not valid; they count with p = 1.
	invalidTraceStates int64
	sb                 strings.Builder
}

type stratum struct {
	threshold uint64
	adjusted  float64
	invalid   bool // the tracestate was malformed or held an invalid th
}

// maxCachedStrata bounds the tracestate cache; it is cleared when full.
const maxCachedStrata = 256

func newReader(cfg *Config) *reader {
	r := &reader{cfg: cfg, strata: map[string]stratum{}}
	for _, d := range cfg.Dimensions[1:] {
		switch d {
		case attrSpanName:
			r.withName = true
		case attrSpanKind:
			r.withKind = true
		default:
			r.extraDims = append(r.extraDims, d)
		}
	}
	return r
}

func (r *reader) resource(res pcommon.Resource) resourceFacts {
	attrs := res.Attributes()
	f := resourceFacts{attrs: attrs}
	if v, ok := attrs.Get(attrServiceName); ok {
		f.service = v.AsString()
	}
	if v, ok := attrs.Get(attrServiceVersion); ok {
		f.version = v.AsString()
	}
	if v, ok := attrs.Get(r.cfg.Stage.Attribute); ok {
		f.stage, f.hasStage = v.AsString(), true
	}
	return f
}

// span reads one span into f, which is zero.
func (r *reader) span(s ptrace.Span, res *resourceFacts, f *spanFacts) {
	attrs := s.Attributes()
	start, end := s.StartTimestamp(), s.EndTimestamp()
	f.end, f.span.TraceID, f.adjusted = int64(end), s.TraceID(), 1
	kind := s.Kind()
	if r.withName {
		f.name = s.Name()
	}
	if r.withKind {
		f.kind, f.kindCode = spanKindString(kind), kind
	}
	if end > start {
		f.span.Duration = time.Duration(end - start)
	}
	f.span.Error = r.cfg.Errors.SpanStatus && s.Status().Code() == ptrace.StatusCodeError
	r.spanAttributes(attrs, !f.span.Error && r.cfg.Errors.HTTPServer5xx && kind == ptrace.SpanKindServer, f)
	if ts := s.TraceState().AsRaw(); ts != "" {
		st := r.stratum(ts)
		f.threshold, f.adjusted = st.threshold, st.adjusted
		if st.invalid {
			r.invalidTraceStates++
		}
	}
	if len(r.extraDims) > 0 {
		f.extra = r.extra(attrs, res.attrs)
	}
}

// spanAttributes reads the stage and, when status is true, whether the
// HTTP status code is a 5xx (current or legacy semantic conventions; the
// current key wins). Map.Get's plain loop beats one pass through the
// Map.All iterator, which wraps every value it yields.
func (r *reader) spanAttributes(attrs pcommon.Map, status bool, f *spanFacts) {
	if v, ok := attrs.Get(r.cfg.Stage.Attribute); ok {
		f.stage, f.hasStage = v.AsString(), true
	}
	if !status {
		return
	}
	v, ok := attrs.Get(attrHTTPStatus)
	if !ok {
		v, ok = attrs.Get(attrHTTPStatusLegacy)
	}
	if ok {
		f.span.Error = serverError(v)
	}
}

// stratum returns the sampling stratum of a tracestate: its th and 1/p.
// A tracestate with no valid th stands for itself (p = 1).
func (r *reader) stratum(ts string) stratum {
	if st, ok := r.strata[ts]; ok {
		return st
	}
	st := stratum{adjusted: 1}
	parsed, err := sampling.ParseTraceState(ts)
	if err != nil {
		st.invalid = true
	} else if th, ok := parsed.Threshold(); ok && evidence.ValidThreshold(th.Unsigned()) {
		st = stratum{threshold: th.Unsigned(), adjusted: evidence.AdjustedCount(th.Unsigned())}
	}
	if len(r.strata) >= maxCachedStrata {
		clear(r.strata)
	}
	r.strata[ts] = st
	return st
}

// extraSep separates extra dimension values in an operation key; NUL does
// not occur in attribute values written by people.
const extraSep = "\x00"

// extra joins the values of the extra dimensions, read from the span's
// attributes then the resource's; a missing one is empty.
func (r *reader) extra(span, res pcommon.Map) string {
	r.sb.Reset()
	for i, d := range r.extraDims {
		if i > 0 {
			r.sb.WriteString(extraSep)
		}
		if v, ok := span.Get(d); ok {
			r.sb.WriteString(v.AsString())
		} else if v, ok := res.Get(d); ok {
			r.sb.WriteString(v.AsString())
		}
	}
	return r.sb.String()
}

// serverError reports an HTTP 5xx status code, int or string.
func serverError(v pcommon.Value) bool {
	code := v.Int()
	if v.Type() == pcommon.ValueTypeStr {
		code, _ = strconv.ParseInt(v.Str(), 10, 64)
	}
	return code >= 500 && code <= 599
}
