package canaryanalysisconnector

import "go.opentelemetry.io/collector/pdata/ptrace"

// Attribute keys read from spans and written on the emitted metrics.
const (
	attrServiceName       = "service.name"
	attrServiceVersion    = "service.version"
	attrServiceInstanceID = "service.instance.id"
	// attrDeploymentStage keys the arm on output whatever stage.attribute
	// reads on input: the metric names and attributes are a contract.
	attrDeploymentStage  = "deployment.stage"
	attrSpanName         = "span.name"
	attrSpanKind         = "span.kind"
	attrStatus           = "status"
	attrQuantile         = "quantile"
	attrCheck            = "check"
	attrOperationService = "operation.service"
	attrHTTPStatus       = "http.response.status_code"
	attrHTTPStatusLegacy = "http.status_code"
	attrReason           = "reason"
	attrVerdict          = "verdict"
)

// overflowName is the span.name of the operation that collects spans of
// operations beyond max_series.
const overflowName = "_overflow"

// Metric names (instrument names; Prometheus renders them with _ and
// suffixes).
const (
	metricCalls     = "canary.calls"
	metricDuration  = "canary.duration"
	metricErrorRate = "canary.error_rate"
	metricLatency   = "canary.latency"
	metricVerdict   = "canary.verdict"
	metricScore     = "canary.score"
)

// spanKinds spells span kinds as the OTLP enum names, like the contrib
// spanmetrics connector, so dashboards can join the two.
var spanKinds = [...]string{
	ptrace.SpanKindUnspecified: "SPAN_KIND_UNSPECIFIED",
	ptrace.SpanKindInternal:    "SPAN_KIND_INTERNAL",
	ptrace.SpanKindServer:      "SPAN_KIND_SERVER",
	ptrace.SpanKindClient:      "SPAN_KIND_CLIENT",
	ptrace.SpanKindProducer:    "SPAN_KIND_PRODUCER",
	ptrace.SpanKindConsumer:    "SPAN_KIND_CONSUMER",
}

func spanKindString(k ptrace.SpanKind) string {
	if int(k) >= 0 && int(k) < len(spanKinds) {
		return spanKinds[k]
	}
	return spanKinds[0]
}
