//go:generate ../../bin/mdatagen metadata.yaml

// Package canaryanalysisconnector turns spans into per-stage metrics, the
// mergeable evidence of each canary release and its verdict. The decision
// math lives in pure packages (internal/release, internal/eventtime,
// internal/evidence, internal/judge); this package is the pdata adapter.
package canaryanalysisconnector // import "github.com/canarytrace/canarytrace/connector/canaryanalysisconnector"
