package traffic

import (
	"context"
	"math/rand/v2"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// propagator is what real services use between them: W3C traceparent and
// tracestate, and W3C baggage.
var propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// request walks one request through the call graph, recording its spans with
// explicit timestamps. Every random draw comes from rng in a fixed order, so
// the spans depend only on the seed and the schedule.
type request struct {
	rng   *rand.Rand
	share float64 // canary share at this request's arrival
	// stage is the request's stage once it has passed through the release
	// ("" before), for the summary.
	stage string
}

// enter routes a call into svc, picking the pod group: the release's calls
// go to its canary pods with probability share. The release's pods put their
// stage in baggage; other services only pass baggage on.
func (r *request) enter(ctx context.Context, svc *service) (context.Context, *podGroup) {
	if !svc.release {
		r.rng.Float64() // keep one draw per call whatever the service
		return ctx, svc.stable
	}
	pod := svc.stable
	if r.rng.Float64() < r.share {
		pod = svc.canary
	}
	if r.stage == "" {
		r.stage = pod.stage
	}
	return withStageBaggage(ctx, pod.stage), pod
}

// serve records op's span starting at start and returns when it ended and
// whether it failed. The operation's own latency is split around its calls,
// which run one after another.
func (r *request) serve(ctx context.Context, pod *podGroup, op *operation, start time.Time) (time.Time, bool) {
	stage := pod.stage
	if !op.svc.release {
		stage = stageOf(ctx) // a downstream service behaves as its caller's stage
	}
	b := &op.behave[stageIndex(stage)]
	self := b.latency.sample(r.rng)
	failed := r.rng.Float64() < b.errorRate

	outcome := 0
	if failed {
		outcome = 1
	}
	ctx, span := pod.tracer.Start(ctx, op.name,
		trace.WithTimestamp(start), trace.WithSpanKind(op.kind), trace.WithAttributes(op.attrs[outcome]...))
	at := start.Add(self / 2)
	for _, c := range op.calls {
		if c.remote {
			at = r.callRemote(ctx, pod, c, at)
		} else {
			at, _ = r.serve(ctx, pod, c.callee, at)
		}
	}
	end := at.Add(self - self/2)
	if failed {
		span.SetStatus(codes.Error, "simulated failure")
	}
	span.End(trace.WithTimestamp(end))
	return end, failed
}

// callRemote records the caller's client span, carries the context across a
// real propagator and header map as HTTP would, and serves the call in the
// callee's pods. The client span fails when the server span does.
func (r *request) callRemote(ctx context.Context, from *podGroup, c call, start time.Time) time.Time {
	kind := trace.SpanKindClient
	if c.callee.kind == trace.SpanKindConsumer {
		kind = trace.SpanKindProducer
	}
	ctx, span := from.tracer.Start(ctx, c.callee.name, trace.WithTimestamp(start), trace.WithSpanKind(kind),
		trace.WithAttributes(attribute.String("server.address", c.callee.svc.name)))
	headers := http.Header{}
	propagator.Inject(ctx, propagation.HeaderCarrier(headers))

	remote := propagator.Extract(context.Background(), propagation.HeaderCarrier(headers))
	remote, pod := r.enter(remote, c.callee.svc)
	end, failed := r.serve(remote, pod, c.callee, start.Add(c.network/2))
	end = end.Add(c.network - c.network/2)
	if failed {
		span.SetStatus(codes.Error, "downstream failure")
	}
	if c.callee.http {
		span.SetAttributes(attribute.Int("http.response.status_code", statusCode(failed)))
	}
	span.End(trace.WithTimestamp(end))
	return end
}

func statusCode(failed bool) int {
	if failed {
		return http.StatusInternalServerError
	}
	return http.StatusOK
}
