package traffic

import (
	"fmt"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// headSampler is a root sampler that keeps a trace when its randomness is at
// least the threshold and records th in the ot tracestate entry, so that
// everything downstream knows the adjusted count (1/p) of each kept span.
// The SDK's TraceIDRatioBased sampler decides on other bits and writes no th.
type headSampler struct {
	threshold uint64
	th        string
	desc      string
}

// newHeadSampler wraps the sampler in ParentBased so that children follow the
// root's decision and inherit its tracestate.
func newHeadSampler(percent float64) sdktrace.Sampler {
	t := probabilityToThreshold(percent / 100)
	return sdktrace.ParentBased(headSampler{
		threshold: t,
		th:        thresholdHex(t),
		desc:      fmt.Sprintf("CanaryHeadSampler{%g%%,th:%s}", percent, thresholdHex(t)),
	})
}

func (h headSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	ts := trace.SpanContextFromContext(p.ParentContext).TraceState()
	if traceRandomness(p.TraceID) < h.threshold {
		return sdktrace.SamplingResult{Decision: sdktrace.Drop, Tracestate: ts}
	}
	if next, err := ts.Insert("ot", withThreshold(ts.Get("ot"), h.th)); err == nil {
		ts = next
	}
	return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample, Tracestate: ts}
}

func (h headSampler) Description() string { return h.desc }
