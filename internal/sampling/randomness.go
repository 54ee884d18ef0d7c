package sampling

import (
	"encoding/binary"
	"errors"
)

// Randomness is the 56-bit random value a sampling decision compares with a
// threshold. It comes from the explicit `rv` sub-key of the `ot` tracestate
// entry when present, else from the rightmost 56 bits of the trace ID, which
// W3C Trace Context Level 2 asks generators to make random.
type Randomness struct {
	unsigned uint64 // < 2^56
}

// ErrInvalidRandomness is returned for an `rv` value that is not exactly 14
// lowercase hexadecimal digits.
var ErrInvalidRandomness = errors.New("rv must be exactly 14 lowercase hex digits")

// RandomnessFromTraceID returns the randomness of a trace without an `rv`:
// the trace ID's rightmost 7 bytes, big-endian.
func RandomnessFromTraceID(id [16]byte) Randomness {
	return Randomness{unsigned: binary.BigEndian.Uint64(id[8:]) & randomnessMask}
}

// ParseRandomness parses an `rv` value. The specification fixes its length
// at 14 digits (unlike `th`, no trailing zeros are trimmed).
func ParseRandomness(s string) (Randomness, error) {
	if len(s) != hexDigits {
		return Randomness{}, ErrInvalidRandomness
	}
	u, ok := parseHex(s)
	if !ok {
		return Randomness{}, ErrInvalidRandomness
	}
	return Randomness{unsigned: u}, nil
}

// RandomnessFromUnsigned returns the randomness with the given 56-bit value;
// false when the value does not fit in 56 bits.
func RandomnessFromUnsigned(u uint64) (Randomness, bool) {
	if u > randomnessMask {
		return Randomness{}, false
	}
	return Randomness{unsigned: u}, true
}

// Hex returns the `rv` encoding: exactly 14 lowercase hex digits.
func (r Randomness) Hex() string {
	var b [hexDigits]byte
	formatHex(b[:], r.unsigned)
	return string(b[:])
}

// Unsigned returns the 56-bit value.
func (r Randomness) Unsigned() uint64 { return r.unsigned }
