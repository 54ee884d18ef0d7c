// Package comparison runs the same synthetic workload through canarytrace's
// components and their contrib peers and measures, in one process, what
// issue 3 (item 8) sets targets for: CPU per span, memory held per buffered
// span, and whether the decisions are the same in kind.
//
// The processor comparison is canary_sampling against contrib tail_sampling
// v0.161.0 (the newest tail_sampling the module proxy builds against
// collector v0.165). The connector comparison, canary_analysis against
// contrib spanmetrics v0.161.0, belongs beside it in connector.go.
package comparison
