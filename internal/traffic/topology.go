package traffic

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// scopeName is the instrumentation scope of every generated span.
const scopeName = "github.com/canarytrace/canarytrace/cmd/canarygen"

// podGroup is one resource: the pods of a service at one stage, with their
// own TracerProvider as in a real deployment.
type podGroup struct {
	stage  string
	tp     *sdktrace.TracerProvider
	tracer trace.Tracer
}

type service struct {
	name    string
	stable  *podGroup
	canary  *podGroup // nil unless this service is the release
	release bool
}

type operation struct {
	svc  *service
	name string
	kind trace.SpanKind
	// attrs are the span's attributes at start, by outcome (index 1 when the
	// span fails): the outcome is drawn first, so an HTTP server span's
	// status code is known before it starts and never costs a SetAttributes.
	attrs [2][]attribute.KeyValue
	// behave is indexed by stageIndex: the stage the operation runs for.
	behave [2]behavior
	calls  []call
	// http is set for operations named "METHOD /route": their server spans
	// carry the HTTP attributes, including a 500 status on failure.
	http bool
}

type behavior struct {
	errorRate float64
	latency   latencyModel
}

type call struct {
	callee  *operation
	remote  bool // crosses services: a client span and a propagator
	network time.Duration
}

const (
	stableIndex = 0
	canaryIndex = 1
)

func stageIndex(stage string) int {
	if stage == StageCanary {
		return canaryIndex
	}
	return stableIndex
}

var httpName = regexp.MustCompile(`^(GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS) (/\S*)$`)

// topology is a scenario compiled for generation: operations resolved to
// pointers and every pod group's TracerProvider built.
type topology struct {
	services []*service
	entries  []*operation
	weights  []float64 // cumulative, normalised to end at 1
}

func buildTopology(s *Scenario, ids sdktrace.IDGenerator, sampler sdktrace.Sampler, sink sdktrace.SpanProcessor) (*topology, error) {
	t := &topology{}
	ops := map[[2]string]*operation{}
	for _, sv := range s.Services {
		svc := &service{name: sv.Name, release: sv.CanaryVersion != ""}
		newGroup := func(version, stage string) (*podGroup, error) {
			res, err := resource.New(context.Background(), resource.WithAttributes(
				attribute.String("service.name", sv.Name),
				attribute.String("service.version", version),
				attribute.String(StageKey, stage),
			))
			if err != nil {
				return nil, fmt.Errorf("resource of %s/%s: %w", sv.Name, stage, err)
			}
			tp := sdktrace.NewTracerProvider(
				sdktrace.WithResource(res),
				sdktrace.WithIDGenerator(ids),
				sdktrace.WithSampler(sampler),
				sdktrace.WithSpanProcessor(stageFromBaggage{}),
				sdktrace.WithSpanProcessor(sink),
			)
			return &podGroup{stage: stage, tp: tp, tracer: tp.Tracer(scopeName)}, nil
		}
		var err error
		if svc.stable, err = newGroup(sv.Version, StageStable); err != nil {
			return nil, err
		}
		if svc.release {
			if svc.canary, err = newGroup(sv.CanaryVersion, StageCanary); err != nil {
				return nil, err
			}
		}
		t.services = append(t.services, svc)
		for i := range sv.Operations {
			op := &sv.Operations[i]
			o := &operation{svc: svc, name: op.Name, kind: spanKind(op.Kind), http: httpName.MatchString(op.Name)}
			for _, over := range []struct {
				idx int
				b   *Behavior
			}{{stableIndex, op.Stable}, {canaryIndex, op.Canary}} {
				b := op.resolve(over.b)
				if b.ErrorRate != nil {
					o.behave[over.idx].errorRate = *b.ErrorRate
				}
				o.behave[over.idx].latency = newLatencyModel(b.Latency)
			}
			for i, failed := range []bool{false, true} {
				o.attrs[i] = operationAttributes(op, o.http)
				if o.http && o.kind == trace.SpanKindServer {
					o.attrs[i] = append(o.attrs[i], attribute.Int("http.response.status_code", statusCode(failed)))
				}
			}
			ops[[2]string{sv.Name, op.Name}] = o
		}
	}
	for _, sv := range s.Services {
		for _, op := range sv.Operations {
			o := ops[[2]string{sv.Name, op.Name}]
			for _, c := range op.Calls {
				network := c.Network
				if network == 0 {
					network = DefaultNetwork
				}
				o.calls = append(o.calls, call{callee: ops[[2]string{c.Service, c.Operation}], remote: c.Service != sv.Name, network: network})
			}
		}
	}
	total := 0.0
	for _, e := range s.Entries {
		w := e.Weight
		if w == 0 {
			w = 1
		}
		total += w
		t.entries = append(t.entries, ops[[2]string{e.Service, e.Operation}])
		t.weights = append(t.weights, total)
	}
	for i := range t.weights {
		t.weights[i] /= total
	}
	return t, nil
}

func operationAttributes(op *Operation, http bool) []attribute.KeyValue {
	var attrs []attribute.KeyValue
	if m := httpName.FindStringSubmatch(op.Name); http && m != nil {
		attrs = append(attrs, attribute.String("http.request.method", m[1]), attribute.String("http.route", m[2]))
	}
	for _, k := range sortedKeys(op.Attributes) {
		attrs = append(attrs, attribute.String(k, op.Attributes[k]))
	}
	return attrs
}

func spanKind(k string) trace.SpanKind {
	switch k {
	case "internal":
		return trace.SpanKindInternal
	case "consumer":
		return trace.SpanKindConsumer
	case "producer":
		return trace.SpanKindProducer
	default:
		return trace.SpanKindServer
	}
}

// shutdown releases every TracerProvider; their only processors are ours, so
// this exports nothing.
func (t *topology) shutdown(ctx context.Context) {
	for _, s := range t.services {
		_ = s.stable.tp.Shutdown(ctx)
		if s.canary != nil {
			_ = s.canary.tp.Shutdown(ctx)
		}
	}
}
