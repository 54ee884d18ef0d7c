// Package e2e tests the built otelcol-canary distribution as a user runs it:
// the real binary, started with a real configuration, fed and drained over
// real OTLP on loopback. `make test` builds bin/otelcol-canary first.
package e2e
