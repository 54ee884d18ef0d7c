// Package canaryverdictexporter implements the canary_verdict exporter: it
// consumes the evidence metrics of one or many canary_analysis connectors,
// merges them across collector instances, judges the merged evidence with
// the same judge as the connector at aligned event-time steps, and serves
// the verdicts over HTTP to rollout controllers (Argo Rollouts, Flagger), to
// `canarytrace query`, to Prometheus (/metrics) and to people (a dashboard).
//
// The exporter renders what the judge returns; it never re-judges on its own
// terms. Its state flows one way: metrics → fleet evidence (per instance, then
// merged) → judged steps → the board (the read model every route answers
// from) → history (persisted through a storage extension).
package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

//go:generate ../../bin/mdatagen metadata.yaml
