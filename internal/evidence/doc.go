// Package evidence is the mergeable, integer record of what canary and stable
// did during a release: the input of the judge, the payload the
// canary_analysis connector exports, and what the canary_verdict exporter
// rebuilds and merges from many collector instances.
//
// # Model
//
// Evidence is a set of cells. A cell is identified by a CellKey:
//
//   - Release: the service that has canary pods and the canary's
//     service.version. A new version is a new Release and so a new run.
//   - Operation: whose operation (service, span name, span kind). The zero
//     Operation is the release-level cell: all operations of the release
//     pooled, kept for the trace-level second moments across operations (see
//     below); it carries counts and moments but no latency histogram.
//     Observe fills it from every operation's span; an Observation with the
//     zero Operation is rejected.
//   - Arm: stage.Canary or stage.Stable.
//   - Step: the event-time interval index, span end time (unix nanoseconds)
//     divided by the evaluation interval. The package never interprets it
//     beyond ordering.
//   - Threshold: the sampling stratum, the 56-bit rejection threshold th the
//     span's trace was kept with (0 = kept with probability 1). The adjusted
//     count of every span in the stratum is 2^56/(2^56-th); see AdjustedCount.
//
// A cell holds only integers, so adding the cells of several instances, or of
// several export intervals of one instance, is exact and order-independent:
//
//   - Calls, Errors: observed (not adjusted) span counts.
//   - TraceCalls2, TraceErrors2, TraceCallsErrors: the per-trace second
//     moments sum n_t^2, sum e_t^2, sum n_t*e_t, where n_t and e_t are the
//     spans and error spans trace t contributed to the cell. They let the
//     judge treat the trace, not the span, as the sampling unit (cluster
//     sampling; Cochran 1977, ch. 9; Lohr, Sampling, 2nd ed., sec. 5.2). They
//     are maintained incrementally through a bounded cache of recent
//     (trace, cell) pairs (DefaultTraceCacheSize), four-way set-associative
//     by trace with least-recently-used eviction; a pair evicted from it
//     restarts as a new cluster if its trace comes back to the cell, which
//     can only understate clustering. Evictions are counted in
//     Stats.TraceCacheEvictions (most are of pairs whose trace has left
//     the cell for good, and change nothing). A span of a trace that is
//     split across instances (no trace-ID load balancing) is a separate
//     cluster per instance for the same reason.
//   - Latency: counts on fixed base-2 exponential buckets of the span
//     duration in seconds at scale Scale (4): bucket i holds durations in
//     (2^(i/16), 2^((i+1)/16)] s, 4.4% relative width, the same layout as an
//     OpenTelemetry exponential histogram at scale 4, so every instance's
//     buckets align and the connector can emit them as such. Durations <= 0
//     are counted in Zero; indices are clamped to [MinIndex, MaxIndex]
//     (about 1 ns to 2.6 h).
//
// Beside the cells, Evidence keeps per release the first step a canary span
// was seen (the run start; merged by minimum, never dropped), and per
// (release, operation) a few canary exemplars: the latest error traces and
// the slowest traces, chosen by a rule that does not depend on the order of
// merging.
//
// # Use
//
// The connector calls ObserveSeries per attributed span, with a SeriesHandle
// it resolved once per operation and release (Observe, which finds the
// series from its strings, serves other callers): no allocation per span
// once a step's cells exist, and a few recent cells per series are found
// without a map lookup (BenchmarkObserveSeries about 53 ns,
// BenchmarkObserve about 57 ns on the 2-core bench machine). It exports
// with Cells (or CellsBetween), Runs and Exemplars
// (then Reset for delta temporality), and drops steps it no longer needs with
// DropBefore. The exporter rebuilds with AddCell (which refuses impossible
// cells: decoded evidence is untrusted), AddRun and AddExemplar and combines
// instances with Merge. Evidence is not safe for concurrent use.
package evidence
