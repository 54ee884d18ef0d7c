package sampling

import (
	"errors"
	"fmt"
	"strings"
)

// maxMembers is the W3C limit on tracestate list members (Trace Context
// Level 2, 3.3.1.1): a header with more is invalid, and a vendor adding a
// member to a full list drops the rightmost one.
const maxMembers = 32

// otKey is the tracestate key OpenTelemetry owns.
const otKey = "ot"

// ErrInvalidTraceState is returned for a tracestate that breaks the W3C
// syntax or the syntax of the `ot` entry.
var ErrInvalidTraceState = errors.New("invalid tracestate")

// TraceState is a W3C tracestate with its OpenTelemetry `ot` entry parsed.
// Vendor entries are kept verbatim and in order. The zero value is an empty
// tracestate.
type TraceState struct {
	members []member // every list member but ot, in order
	ot      otValue
	hasOT   bool
	otIndex int // position of ot among the members when it was read
}

type member struct{ key, value string }

// ParseTraceState parses a tracestate header value. Empty list members are
// skipped, as W3C allows; anything else malformed is an error wrapping
// ErrInvalidTraceState, never a panic.
//
// An `ot` entry whose th or rv value is invalid is the one error after which
// the TraceState is still returned, usable: the error wraps
// ErrInvalidThreshold or ErrInvalidRandomness and the invalid sub-key is
// removed, because the specification treats an invalid th as absent (a
// sampler then writes a fresh one) and an invalid rv as no explicit
// randomness.
func ParseTraceState(s string) (TraceState, error) {
	var ts TraceState
	var valueErr error
	for rest := s; rest != ""; {
		var item string
		item, rest, _ = strings.Cut(rest, ",")
		item = strings.Trim(item, " \t")
		if item == "" {
			continue
		}
		key, value, ok := strings.Cut(item, "=")
		if !ok || !validKey(key) || !validValue(value) {
			return TraceState{}, fmt.Errorf("%w: list member %q", ErrInvalidTraceState, item)
		}
		if ts.has(key) {
			return TraceState{}, fmt.Errorf("%w: duplicate key %q", ErrInvalidTraceState, key)
		}
		if ts.len() == maxMembers {
			return TraceState{}, fmt.Errorf("%w: more than %d list members", ErrInvalidTraceState, maxMembers)
		}
		if key != otKey {
			ts.members = append(ts.members, member{key: key, value: value})
			continue
		}
		ot, err := parseOTValue(value)
		if err != nil && !errors.Is(err, ErrInvalidThreshold) && !errors.Is(err, ErrInvalidRandomness) {
			return TraceState{}, err
		}
		valueErr = err
		ts.ot, ts.hasOT, ts.otIndex = ot, true, len(ts.members)
	}
	return ts, valueErr
}

func (ts TraceState) has(key string) bool {
	if key == otKey {
		return ts.hasOT
	}
	for _, m := range ts.members {
		if m.key == key {
			return true
		}
	}
	return false
}

func (ts TraceState) len() int {
	if ts.hasOT {
		return len(ts.members) + 1
	}
	return len(ts.members)
}

// Threshold returns the `th` of the ot entry; false when there is none.
func (ts TraceState) Threshold() (Threshold, bool) {
	return ts.ot.th, ts.hasOT && ts.ot.hasTh
}

// Randomness returns the explicit `rv` of the ot entry; false when there is
// none.
func (ts TraceState) Randomness() (Randomness, bool) {
	return ts.ot.rv, ts.hasOT && ts.ot.hasRv
}

// RandomnessOf returns the randomness a sampler must use for the trace: the
// explicit `rv` when present, else the trace ID's.
func (ts TraceState) RandomnessOf(id [16]byte) Randomness {
	if r, ok := ts.Randomness(); ok {
		return r
	}
	return RandomnessFromTraceID(id)
}

// SetThreshold writes t as the `th` of the ot entry, keeping its other
// sub-keys and every vendor entry. The ot entry moves to the front of the
// list, as W3C asks of a vendor that modifies its entry; if that makes the
// list longer than 32 members, the rightmost is dropped; if the ot entry
// would exceed the 256 characters W3C allows a value, its sub-keys other
// than th and rv are dropped, rightmost first. NeverSample has no
// encoding: it removes th (a span kept with it cannot exist).
func (ts *TraceState) SetThreshold(t Threshold) {
	ts.ot.setThreshold(t)
	ts.hasOT, ts.otIndex = true, 0
	if len(ts.members) >= maxMembers {
		ts.members = ts.members[:maxMembers-1]
	}
}

// String returns the tracestate header value. An ot entry left with no
// sub-key is omitted.
func (ts TraceState) String() string {
	ot := ""
	if ts.hasOT {
		ot = ts.ot.String()
	}
	size := len(ot) + len(otKey) + 2
	for _, m := range ts.members {
		size += len(m.key) + len(m.value) + 2
	}
	var b strings.Builder
	b.Grow(size)
	write := func(key, value string) {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(value)
	}
	writeOT := func() {
		if ot != "" {
			write(otKey, ot)
		}
	}
	for i, m := range ts.members {
		if ts.hasOT && i == ts.otIndex {
			writeOT()
		}
		write(m.key, m.value)
	}
	if ts.hasOT && ts.otIndex >= len(ts.members) {
		writeOT()
	}
	return b.String()
}

// validKey follows the W3C key grammar: a simple key, lowercase letter then
// up to 255 of [a-z0-9_*/-], or a multi-tenant key tenant@system with a
// tenant of up to 241 such characters starting with a letter or digit and a
// system of up to 14 starting with a letter.
func validKey(key string) bool {
	tenant, system, multi := strings.Cut(key, "@")
	if !multi {
		return len(key) <= 256 && isLower(key, 0) && keyChars(key[1:])
	}
	return len(tenant) >= 1 && len(tenant) <= 241 &&
		(isLower(tenant, 0) || isDigit(tenant, 0)) && keyChars(tenant[1:]) &&
		len(system) >= 1 && len(system) <= 14 && isLower(system, 0) && keyChars(system[1:])
}

func isLower(s string, i int) bool { return i < len(s) && 'a' <= s[i] && s[i] <= 'z' }
func isDigit(s string, i int) bool { return i < len(s) && '0' <= s[i] && s[i] <= '9' }

func keyChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLower(s, i) && !isDigit(s, i) && !strings.ContainsRune("_-*/", rune(s[i])) {
			return false
		}
	}
	return true
}

// validValue follows the W3C value grammar: 1 to 256 printable ASCII
// characters other than ',' and '=', the last not a space.
func validValue(v string) bool {
	if len(v) == 0 || len(v) > maxValue || v[len(v)-1] == ' ' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e || c == ',' || c == '=' {
			return false
		}
	}
	return true
}
