// Package traffic generates synthetic canary-release traffic with the
// OpenTelemetry Go SDK: real spans from one TracerProvider per pod group,
// W3C trace context and baggage carried between services through a real
// propagator, per-stage error rates and latencies read from a scenario file.
//
// It is a library so that cmd/canarygen, tests and other tools can drive the
// same generator in-process. Everything random is drawn from generators
// seeded by Config.Seed, and in simulated-clock mode every timestamp comes
// from the schedule rather than the wall clock, so one seed gives one output.
package traffic
