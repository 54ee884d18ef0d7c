// Package sampling implements the arithmetic of OpenTelemetry probability
// sampling: the 56-bit randomness of a trace, the rejection threshold `th`
// carried in the `ot` entry of the W3C tracestate, and the adjusted count
// (1/p) that keeps estimates made after sampling unbiased.
//
// Specification: "TraceState: Probability Sampling"
// (opentelemetry.io/docs/specs/otel/trace/tracestate-probability-sampling/)
// and "TraceState Handling" for the `ot` entry syntax; W3C Trace Context
// Level 2, section 3.3, for the tracestate header.
//
// A span is kept when its randomness R is at least the threshold T, both
// 56-bit integers, so T = 0 keeps everything and the probability of keeping
// is (2^56 - T) / 2^56. Because every stage derives R from the same trace ID
// (or the same `rv`), all stages and all collector instances agree on the
// probabilistic part of a decision, and a stage that raises T keeps a subset
// of what the previous stage kept.
//
// The package is pure: no pdata, no collector imports. The canary_sampling
// processor decides with it; the canary_analysis connector weights spans with
// AdjustedCountOf.
package sampling
