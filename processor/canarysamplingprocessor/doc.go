//go:generate ../../bin/mdatagen metadata.yaml

// Package canarysamplingprocessor is a tail sampler for canary releases. It
// buffers spans by trace ID, decides each trace once (keep canary traces at a
// boosted rate, errors and slow traces always, the rest at the stable rate),
// and writes into every kept span the sampling threshold (th) with which its
// trace was kept, so that metrics computed downstream stay unbiased.
package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"
