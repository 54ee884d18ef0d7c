//go:build tools

// Package tools pins ocb, the OpenTelemetry Collector Builder, at the
// collector core version the distribution is built from.
package tools

import _ "go.opentelemetry.io/collector/cmd/builder"
