// Package comparison runs the same synthetic workload through canarytrace's
// components and their contrib peers and measures, in one process, what
// issue 3 (item 8) and issue 4 (item 10) set targets for.
//
// The processor comparison is canary_sampling against contrib tail_sampling
// v0.161.0 (the newest tail_sampling the module proxy builds against
// collector v0.165): CPU per span, memory held per buffered span, and
// whether the decisions are the same in kind (samplers.go, sink.go).
//
// The connector comparison is canary_analysis against contrib spanmetrics
// v0.161.0 (connector.go, canaryanalysis.go, spanmetrics.go): CPU and
// allocations per span measured the same way, and whether both counted
// every span's call and error under its stage (calls.go).
package comparison
