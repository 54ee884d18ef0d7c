package comparison

// The connector comparison (issue 3's companion for canary_analysis) goes
// here: the same workload.Generate stream through
// canaryanalysisconnector.NewFactory() and contrib spanmetrics
// (github.com/open-telemetry/opentelemetry-collector-contrib/connector/spanmetricsconnector
// v0.161.0, which builds against collector v0.165), each with a counting
// metrics sink, measured with the same process-CPU and heap-after-GC
// method as the samplers (MeasureCPU, MeasureHeld show the pattern), and
// printed by cmd/compare under its own heading. spanmetrics should be
// configured to the same dimensions (service.name, span.name, span.kind,
// deployment.stage, status) and an exponential histogram, so both build the
// same series.
