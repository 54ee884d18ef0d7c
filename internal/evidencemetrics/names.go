package evidencemetrics

// Metric names.
const (
	MetricCalls            = "canary.evidence.calls"
	MetricErrors           = "canary.evidence.errors"
	MetricTraceCalls2      = "canary.evidence.trace_calls2"
	MetricTraceErrors2     = "canary.evidence.trace_errors2"
	MetricTraceCallsErrors = "canary.evidence.trace_calls_errors"
	MetricLatency          = "canary.evidence.latency"
	MetricRun              = "canary.evidence.run"
	MetricExemplar         = "canary.evidence.exemplar"
	MetricWatermark        = "canary.evidence.watermark"
)

// Attribute keys.
const (
	AttrInstance         = "service.instance.id"
	AttrReleaseService   = "release.service"
	AttrReleaseVersion   = "release.version"
	AttrOperationService = "operation.service"
	AttrOperationName    = "operation.name"
	AttrOperationKind    = "operation.kind"
	AttrStage            = "deployment.stage"
	AttrThreshold        = "sampling.threshold"
	AttrTraceID          = "trace_id"
	AttrError            = "error"
)
