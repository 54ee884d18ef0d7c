package sampling

import "errors"

// WithThreshold returns the tracestate s with t written as its `th`, as
// ParseTraceState, SetThreshold and String would, for a span that is kept.
// The common case of SDK spans, an empty tracestate, costs one allocation.
// An invalid th or rv already in s is replaced or dropped, as the
// specification asks; any other malformation is an error wrapping
// ErrInvalidTraceState, and the caller decides whether to keep s or
// replace it.
func WithThreshold(s string, t Threshold) (string, error) {
	if s == "" {
		if t == NeverSample {
			return "", nil
		}
		var b [len("ot=th:") + hexDigits]byte
		return string(t.appendHex(append(b[:0], "ot=th:"...))), nil
	}
	ts, err := ParseTraceState(s)
	if err != nil && !errors.Is(err, ErrInvalidThreshold) && !errors.Is(err, ErrInvalidRandomness) {
		return "", err
	}
	ts.SetThreshold(t)
	return ts.String(), nil
}
