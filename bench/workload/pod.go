package workload

import "go.opentelemetry.io/collector/pdata/ptrace"

// pod is one exporting process: one resource (service, version, stage),
// one instrumentation scope, and a batch filling up to BatchSize spans.
type pod struct {
	svc       service
	canary    bool
	batchSize int
	emit      func(ptrace.Traces)

	td    ptrace.Traces
	spans ptrace.SpanSlice
	n     int
}

func newPod(svc service, canary bool, batchSize int, emit func(ptrace.Traces)) *pod {
	return &pod{svc: svc, canary: canary, batchSize: batchSize, emit: emit}
}

// span returns a new span in the current batch, exporting the batch first
// when it is full.
func (p *pod) span() ptrace.Span {
	if p.n == p.batchSize {
		p.flush()
	}
	if p.n == 0 {
		p.start()
	}
	p.n++
	return p.spans.AppendEmpty()
}

func (p *pod) start() {
	p.td = ptrace.NewTraces()
	rs := p.td.ResourceSpans().AppendEmpty()
	res := rs.Resource().Attributes()
	name := serviceNames[p.svc]
	version, stage, instance := "1.4.2", "stable", name+"-7d9f8b6c5-x2k4q"
	if p.canary {
		version, stage, instance = "1.5.0", "canary", name+"-canary-5c6d7e8f9-p8m3z"
	}
	res.EnsureCapacity(9)
	res.PutStr("service.name", name)
	res.PutStr("service.namespace", "shop")
	res.PutStr("service.version", version)
	res.PutStr("deployment.stage", stage)
	res.PutStr("service.instance.id", instance)
	res.PutStr("k8s.pod.name", instance)
	res.PutStr("telemetry.sdk.name", "opentelemetry")
	res.PutStr("telemetry.sdk.language", "go")
	res.PutStr("telemetry.sdk.version", "1.47.0")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp")
	ss.Scope().SetVersion("0.62.0")
	p.spans = ss.Spans()
	p.spans.EnsureCapacity(p.batchSize)
}

// flush exports the current batch, if any; the pod keeps no reference.
func (p *pod) flush() {
	if p.n == 0 {
		return
	}
	td := p.td
	p.td, p.spans, p.n = ptrace.Traces{}, ptrace.SpanSlice{}, 0
	p.emit(td)
}
