package sampling

import (
	"fmt"
	"strings"
)

// otValue is the value of the `ot` tracestate entry: sub-keys "key:value"
// separated by ';' ("TraceState Handling" in the OpenTelemetry
// specification). th and rv are parsed; every sub-key is kept in order, so
// a stage that only rewrites th passes the others on unchanged.
type otValue struct {
	th    Threshold
	rv    Randomness
	hasTh bool
	hasRv bool
	subs  []member // all sub-keys in order; th's value is re-encoded on output
}

// parseOTValue parses an ot value. A syntax error is ErrInvalidTraceState;
// an invalid th or rv value is reported with the rest still parsed and the
// invalid sub-key left out.
func parseOTValue(s string) (otValue, error) {
	var ot otValue
	var valueErr error
	var badTh, badRv bool // invalid sub-keys are left out but still count as seen
	// Unlike list members, sub-keys may not be empty: "th:8;" is malformed.
	for rest, more := s, true; more; {
		var item string
		item, rest, more = strings.Cut(rest, ";")
		key, value, ok := strings.Cut(item, ":")
		if !ok || !validOTKey(key) || !validOTValue(value) {
			return otValue{}, fmt.Errorf("%w: ot sub-key %q", ErrInvalidTraceState, item)
		}
		if ot.index(key) >= 0 || key == "th" && badTh || key == "rv" && badRv {
			return otValue{}, fmt.Errorf("%w: duplicate ot sub-key %q", ErrInvalidTraceState, key)
		}
		switch key {
		case "th":
			th, err := ParseThreshold(value)
			if err != nil {
				valueErr, badTh = fmt.Errorf("ot th %q: %w", value, err), true
				continue
			}
			ot.th, ot.hasTh = th, true
		case "rv":
			rv, err := ParseRandomness(value)
			if err != nil {
				valueErr, badRv = fmt.Errorf("ot rv %q: %w", value, err), true
				continue
			}
			ot.rv, ot.hasRv = rv, true
		}
		ot.subs = append(ot.subs, member{key: key, value: value})
	}
	return ot, valueErr
}

func (ot *otValue) index(key string) int {
	for i, m := range ot.subs {
		if m.key == key {
			return i
		}
	}
	return -1
}

// setThreshold writes th in place, or first when there was none;
// NeverSample, which has no encoding, removes it.
func (ot *otValue) setThreshold(t Threshold) {
	i := ot.index("th")
	switch {
	case t == NeverSample && i >= 0:
		ot.subs = append(ot.subs[:i:i], ot.subs[i+1:]...)
		ot.th, ot.hasTh = Threshold{}, false
		return
	case t == NeverSample:
		return
	case i >= 0:
		ot.subs[i].value = t.Hex()
	default:
		ot.subs = append([]member{{key: "th", value: t.Hex()}}, ot.subs...)
	}
	ot.th, ot.hasTh = t, true
	ot.fit()
}

// maxValue is the W3C limit on a list member's value, which bounds the ot
// entry as a whole.
const maxValue = 256

// fit drops sub-keys other than th and rv, rightmost first, until the
// encoding is within maxValue: writing a longer th must not make the whole
// tracestate invalid, and th and rv (at most 35 characters together) are
// the sub-keys samplers depend on.
func (ot *otValue) fit() {
	size := len(ot.subs) - 1 // separators
	for _, m := range ot.subs {
		size += len(m.key) + 1 + len(m.value)
	}
	for i := len(ot.subs) - 1; i >= 0 && size > maxValue; i-- {
		if m := ot.subs[i]; m.key != "th" && m.key != "rv" {
			size -= len(m.key) + 2 + len(m.value)
			ot.subs = append(ot.subs[:i:i], ot.subs[i+1:]...)
		}
	}
}

// String encodes the ot value.
func (ot otValue) String() string {
	size := 0
	for _, m := range ot.subs {
		size += len(m.key) + len(m.value) + 2
	}
	var b strings.Builder
	b.Grow(size)
	for _, m := range ot.subs {
		if b.Len() > 0 {
			b.WriteByte(';')
		}
		b.WriteString(m.key)
		b.WriteByte(':')
		b.WriteString(m.value)
	}
	return b.String()
}

// validOTKey: a lowercase letter followed by lowercase letters and digits.
func validOTKey(k string) bool {
	if !isLower(k, 0) {
		return false
	}
	for i := 1; i < len(k); i++ {
		if !isLower(k, i) && !isDigit(k, i) {
			return false
		}
	}
	return true
}

// validOTValue: letters, digits, '.', '_' and '-'.
func validOTValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !isLower(v, i) && !isDigit(v, i) && !('A' <= c && c <= 'Z') && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}
