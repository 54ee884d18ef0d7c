//go:build tools

// Package tools pins mdatagen, the collector's metadata generator. The module
// proxy here serves v0.159.0 as its newest version; its output compiles
// against collector v0.165.
package tools

import _ "go.opentelemetry.io/collector/cmd/mdatagen"
