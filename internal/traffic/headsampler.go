package traffic

import (
	"fmt"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/canarytrace/canarytrace/internal/sampling"
)

// headSampler is a root sampler that keeps a trace when its randomness (the
// trace ID's rightmost 56 bits) is at least the threshold and records th in
// the ot tracestate entry, so that everything downstream knows the adjusted
// count (1/p) of each kept span. The SDK's TraceIDRatioBased sampler decides
// on other bits and writes no th.
type headSampler struct {
	threshold sampling.Threshold
	desc      string
}

// newHeadSampler wraps the sampler in ParentBased so that children follow the
// root's decision and inherit its tracestate. percent is in (0, 100].
func newHeadSampler(percent float64) (sdktrace.Sampler, error) {
	t, err := sampling.ProbabilityToThreshold(percent / 100)
	if err != nil {
		return nil, fmt.Errorf("head sampling %g%%: %w", percent, err)
	}
	return sdktrace.ParentBased(headSampler{
		threshold: t,
		desc:      fmt.Sprintf("CanaryHeadSampler{%g%%,th:%s}", percent, t.Hex()),
	}), nil
}

func (h headSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	ts := trace.SpanContextFromContext(p.ParentContext).TraceState()
	if !h.threshold.ShouldSample(sampling.RandomnessFromTraceID(p.TraceID)) {
		return sdktrace.SamplingResult{Decision: sdktrace.Drop, Tracestate: ts}
	}
	if s, err := sampling.WithThreshold(ts.String(), h.threshold); err == nil {
		if next, err := trace.ParseTraceState(s); err == nil {
			ts = next
		}
	}
	return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample, Tracestate: ts}
}

func (h headSampler) Description() string { return h.desc }
