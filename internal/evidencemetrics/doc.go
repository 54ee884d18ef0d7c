// Package evidencemetrics is the wire shape of evidence: the canary_analysis
// connector encodes its evidence as OTLP metrics, and the canary_verdict
// exporter decodes what many instances sent and merges it.
//
// # Shape
//
// Evidence travels in the resource of the instance that observed it
// (resource attribute service.instance.id), always with delta temporality:
// each export carries only what was observed since the previous one, so an
// instance restart loses nothing already sent and the receiver's sums stay
// exact. Every data point's StartTimestamp and Timestamp are the bounds of
// the event-time step it belongs to ([step*interval, (step+1)*interval) in
// unix nanoseconds), which gives both the step and the interval.
//
// One cell of evidence (release, operation, arm, step, sampling stratum) is
// a set of data points sharing these attributes:
//
//	release.service, release.version   the release
//	operation.service, operation.name, operation.kind
//	                                   the operation; all three absent for the
//	                                   release-level cell (all operations pooled)
//	deployment.stage                   canary | stable
//	sampling.threshold                 the stratum: the 56-bit rejection
//	                                   threshold th (int; 0 = kept with p = 1)
//
// and the metrics (Sum, Int, delta, monotonic, unit "{span}" unless said):
//
//	canary.evidence.calls              observed spans (not adjusted)
//	canary.evidence.errors             observed error spans
//	canary.evidence.trace_calls2       sum over traces of n_t^2
//	canary.evidence.trace_errors2      sum over traces of e_t^2
//	canary.evidence.trace_calls_errors sum over traces of n_t*e_t
//	canary.evidence.latency            ExponentialHistogram, s, scale 4, delta:
//	                                   integer span counts per bucket (no sum)
//
// Zero-valued data points other than calls are omitted; absent means 0.
// Beside cells:
//
//	canary.evidence.run                Gauge Int: a release's run start step
//	                                   (release.* attributes; timestamps = that
//	                                   step's bounds)
//	canary.evidence.exemplar           Gauge Double: a canary trace worth
//	                                   showing, value = its span's duration in s
//	                                   (release.*, operation.*, trace_id as 32
//	                                   hex digits, error bool)
//	canary.evidence.watermark          Gauge Int: the last step the instance
//	                                   evaluated (value = step; timestamps its
//	                                   bounds), sent with every export, so a
//	                                   receiver knows the instance has reported
//	                                   that step even when it saw no spans
//
// An export also carries cells of steps after its watermark: spans already
// seen of steps still open on the instance (exporting them now keeps the
// per-trace moments exact, since every export is a delta of the same
// cells). Those steps are not complete until a later watermark passes
// them; a receiver must take an instance's progress from the watermark,
// not from the newest cell. An export without a watermark (the final one,
// at shutdown) completes nothing: the instance is stopping.
//
// Decode treats its input as untrusted (it comes from other instances over
// the network): a data point that breaks the shape is counted and skipped,
// never trusted, and nothing panics.
package evidencemetrics
