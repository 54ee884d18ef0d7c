package judge

// The false-rollback budget alpha = 1 - confidence is shared by every check
// of a release (Bonferroni: the chance that any check falsely fails is at
// most the sum of their levels). The shares depend on which operations
// exist, never on their outcomes, so the split is fixed before any test
// statistic is seen.
const (
	// releaseShare of alpha goes to the release-level checks, the rest to
	// the operation guards. Release-level checks pool every operation and so
	// are rarely the first to see a regression (one operation at 3x its
	// error rate moves the pooled rate by a few percent); the guards, one
	// set per operation, need the larger share to stay sensitive.
	releaseShare = 0.1
	// laterShare of the guards' budget is kept for operations discovered
	// after the first judged step; the operations present then share the
	// rest equally.
	laterShare = 0.25
	// minFirstBlock is the least number of operations the first share is
	// split into, so a run that starts with one operation does not give it
	// three quarters of the budget and starve the ones that follow.
	minFirstBlock = 8
)

// Tuning of the boundaries (effective samples, about canary calls): where
// they are tightest. An operation on every request at 5% canary share of
// 200 req/s gets 10 canary calls a second, so 4,000 is about 7 minutes, the
// middle of the 10 minutes in which a regression should be caught; a
// release-level check pools about ten such operations.
const (
	tunedForOperation = 4000
	tunedForRelease   = 40000
)

// tunedForErrors tunes an operation's error-rate boundary in its own
// intrinsic time, the errors a canary exactly at tolerance would have made
// so far (toleratedErrors), instead of in calls: the information in an
// error count is its number of errors, whatever the rate. A count of a few
// expected errors is far more skewed than the normal approximation allows
// (at 5 expected errors the chance of exceeding 4 standard deviations is
// about 20 times the normal's), so the boundary is kept wide there (20%
// wider than at its narrowest at 5 tolerated errors) and is tightest at 60;
// from 20 to 130 it is within about 2% of its narrowest. For an operation
// on every request at 0.75% tolerated errors and 10 canary calls a second
// that is 5 to 30 minutes.
const tunedForErrors = 60

// operationShare returns the share of the guards' budget of the j-th
// operation (1-based, in order of discovery) when first operations were
// present at the first judged step: those split 1-laterShare equally; the
// later ones come in blocks of first*2^(b-1) operations sharing
// laterShare*2^-b (b = 1, 2, ...), so the shares sum to 1 over all j
// however many operations appear (alpha-spending over an unknown number of
// hypotheses, as in alpha-investing without the investing: Foster and Stine
// 2008).
func operationShare(j, first int) float64 {
	first = max(first, minFirstBlock)
	if j < 1 {
		return 0
	}
	if j <= first {
		return (1 - laterShare) / float64(first)
	}
	start, size, share := first, first, laterShare/2
	for j > start+size {
		start += size
		size *= 2
		share /= 2
	}
	return share / float64(size)
}

// levels are the alphas of one release's checks. Each level's share (release
// or operation) is halved between the two tolerances of the criteria, the
// error rate and the latency, and each half split equally among its checks
// (error_rate, and fail_above when set; one check per latency quantile): the
// number of quantiles configured does not dilute the error-rate guard.
type levels struct {
	releaseError   float64 // the release-level error_rate (and fail_above) check's false-fail level
	releaseLatency float64 // each release-level latency check's false-fail level
	releasePass    float64 // each release-level check's false-pass level
	opError        func(rank, first int) float64
	opLatency      func(rank, first int) float64
}

func levelsOf(c Criteria) levels {
	alpha := 1 - c.Confidence
	nq := float64(len(c.Latency.Quantiles))
	errShare, latShare := 0.5, 0.5
	if nq == 0 {
		errShare, latShare, nq = 1, 0, 1
	}
	nErr := 1.0
	if c.ErrorRate.FailAbove > 0 {
		nErr++ // fail_above is one more release-level test
	}
	op := func(share, n float64) func(rank, first int) float64 {
		return func(rank, first int) float64 {
			return alpha * (1 - releaseShare) * operationShare(rank, first) * share / n
		}
	}
	return levels{
		releaseError:   alpha * releaseShare * errShare / nErr,
		releaseLatency: alpha * releaseShare * latShare / nq,
		// A false promote needs every release-level check to pass, so a
		// canary beyond tolerance on some check is promoted only if that
		// check falsely passes: level alpha each bounds it by alpha.
		releasePass: alpha,
		opError:     op(errShare, 1),
		opLatency:   op(latShare, nq),
	}
}
