package sampling

import "strings"

// AdjustedCountOf returns the adjusted count of a span from its raw
// tracestate: 1/p for the `th` of its `ot` entry, and 1 when there is no
// valid th (a span with no probability recorded stands for itself). It
// never returns 0: a kept span cannot carry NeverSample, which has no
// encoding.
//
// It is the per-span hot path of the canary_analysis connector, so it scans
// the string in place and never allocates. It looks only at the ot entry:
// unlike ParseTraceState it does not reject a header for a malformed vendor
// entry, since a vendor's syntax error does not change how this span was
// sampled.
func AdjustedCountOf(tracestate string) float64 {
	th, ok := thresholdOf(tracestate)
	if !ok {
		return 1
	}
	return th.AdjustedCount()
}

// thresholdOf finds and parses the th sub-key of the ot entry without
// allocating; false when absent or invalid.
func thresholdOf(tracestate string) (Threshold, bool) {
	ot, ok := otEntry(tracestate)
	if !ok {
		return Threshold{}, false
	}
	var th string
	found := false
	// Unlike list members, sub-keys may not be empty: "th:8;" is malformed.
	for rest, more := ot, true; more; {
		var item string
		item, rest, more = strings.Cut(rest, ";")
		key, value, ok := strings.Cut(item, ":")
		if !ok || !validOTKey(key) || !validOTValue(value) {
			return Threshold{}, false
		}
		if key == "th" {
			if found {
				return Threshold{}, false // duplicate: invalid, as in ParseTraceState
			}
			th, found = value, true
		}
	}
	if !found {
		return Threshold{}, false
	}
	t, err := ParseThreshold(th)
	return t, err == nil
}

// otEntry returns the value of the first ot list member; false when there is
// none. The common case, a tracestate without "ot=", costs one substring
// search.
func otEntry(tracestate string) (string, bool) {
	if !strings.Contains(tracestate, "ot=") {
		return "", false
	}
	for rest := tracestate; rest != ""; {
		var item string
		item, rest, _ = strings.Cut(rest, ",")
		item = strings.Trim(item, " \t")
		if value, ok := strings.CutPrefix(item, "ot="); ok {
			return value, true
		}
	}
	return "", false
}
