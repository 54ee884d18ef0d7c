package sampling

import (
	"errors"
	"fmt"
)

// Threshold is a rejection threshold T in [0, 2^56]: a span is kept when its
// randomness R satisfies R >= T, so it is kept with probability
// (2^56 - T) / 2^56. The zero value is AlwaysSample.
type Threshold struct {
	unsigned uint64 // <= 2^56
}

var (
	// AlwaysSample keeps every span: T = 0, p = 1, th "0".
	AlwaysSample = Threshold{unsigned: 0}
	// NeverSample keeps nothing: T = 2^56, p = 0. It has no `th` encoding
	// (a kept span never carries it); its Hex is "".
	NeverSample = Threshold{unsigned: maxAdjusted}
)

var (
	// ErrInvalidThreshold is returned for a `th` value that is not 1 to 14
	// lowercase hexadecimal digits.
	ErrInvalidThreshold = errors.New("th must be 1 to 14 lowercase hex digits")
	// ErrProbabilityRange is returned for a probability outside the range a
	// function accepts, or NaN.
	ErrProbabilityRange = errors.New("probability out of range")
)

// ParseThreshold parses a `th` value: 1 to 14 lowercase hex digits, the most
// significant digits of T, trailing zeros optional ("8" and "80" are both
// 2^55).
func ParseThreshold(s string) (Threshold, error) {
	u, ok := parseHex(s)
	if !ok {
		return Threshold{}, ErrInvalidThreshold
	}
	return Threshold{unsigned: u}, nil
}

// ThresholdFromUnsigned returns the threshold T = u; false when u > 2^56.
func ThresholdFromUnsigned(u uint64) (Threshold, bool) {
	if u > maxAdjusted {
		return Threshold{}, false
	}
	return Threshold{unsigned: u}, true
}

// Hex returns the `th` encoding: the 14 hex digits of T with trailing zeros
// trimmed, as the specification recommends, and "0" for AlwaysSample.
// NeverSample has no encoding and returns "".
func (t Threshold) Hex() string {
	var b [hexDigits]byte
	return string(t.appendHex(b[:0]))
}

// appendHex appends the `th` encoding to dst.
func (t Threshold) appendHex(dst []byte) []byte {
	switch t.unsigned {
	case maxAdjusted:
		return dst
	case 0:
		return append(dst, '0')
	}
	var b [hexDigits]byte
	formatHex(b[:], t.unsigned)
	n := hexDigits
	for b[n-1] == '0' {
		n--
	}
	return append(dst, b[:n]...)
}

// Unsigned returns T.
func (t Threshold) Unsigned() uint64 { return t.unsigned }

// kept returns 2^56 - T: how many of the 2^56 randomness values are kept.
func (t Threshold) kept() uint64 { return maxAdjusted - t.unsigned }

// Probability returns the probability of keeping a span, (2^56 - T) / 2^56.
func (t Threshold) Probability() float64 {
	return float64(t.kept()) / float64(maxAdjusted)
}

// AdjustedCount returns 1/p: how many spans each kept span stands for in a
// Horvitz–Thompson estimate. It is 0 for NeverSample, which keeps nothing.
func (t Threshold) AdjustedCount() float64 {
	if t.unsigned == maxAdjusted {
		return 0
	}
	return float64(maxAdjusted) / float64(t.kept())
}

// ShouldSample reports whether a span with randomness r is kept: R >= T.
func (t Threshold) ShouldSample(r Randomness) bool {
	return r.unsigned >= t.unsigned
}

// Less reports whether t keeps strictly more than u.
func (t Threshold) Less(u Threshold) bool { return t.unsigned < u.unsigned }

// MaxThreshold returns the higher threshold: the one that keeps less.
// Keeping a span under both a and b is keeping it under MaxThreshold(a, b),
// because both compare the same randomness.
func MaxThreshold(a, b Threshold) Threshold {
	if a.unsigned >= b.unsigned {
		return a
	}
	return b
}

// ProbabilityToThreshold returns the threshold of probability p in (0, 1],
// rounded to DefaultPrecision significant hex digits of the kept count
// 2^56·p (see DefaultPrecision). The result is exactly what its Hex encodes, so the
// written `th` is the one the decision used.
func ProbabilityToThreshold(p float64) (Threshold, error) {
	return ProbabilityToThresholdWithPrecision(p, DefaultPrecision)
}

// ProbabilityToThresholdWithPrecision is ProbabilityToThreshold with the
// number of significant hex digits of 2^56·p to keep, from 1 to 14.
func ProbabilityToThresholdWithPrecision(p float64, digits int) (Threshold, error) {
	if !(p > 0 && p <= 1) {
		return Threshold{}, fmt.Errorf("%w: %v is not in (0, 1]", ErrProbabilityRange, p)
	}
	if digits < 1 || digits > hexDigits {
		return Threshold{}, fmt.Errorf("precision %d is not in [1, %d]", digits, hexDigits)
	}
	return AlwaysSample.compose(p, digits), nil
}

// Compose returns the threshold of keeping the share p of what t kept:
// T' = T + (1-p)(2^56 - T), so the overall probability is
// t.Probability()*p. A later stage may only raise a threshold, never lower
// it: the result is never below t, and p = 1 returns t unchanged (even when
// t has more than DefaultPrecision digits). p = 0 returns NeverSample; a
// positive p keeps at least one randomness value of the 2^56 whenever t
// does. p must be in [0, 1].
func (t Threshold) Compose(p float64) (Threshold, error) {
	if !(p >= 0 && p <= 1) {
		return Threshold{}, fmt.Errorf("%w: %v is not in [0, 1]", ErrProbabilityRange, p)
	}
	return t.compose(p, DefaultPrecision), nil
}

func (t Threshold) compose(p float64, digits int) Threshold {
	kept := t.kept()
	switch {
	case p == 1:
		return t
	case p == 0 || kept == 0:
		return NeverSample
	}
	k := scaleRound(kept, p, digits)
	// Rounding to nearest may land above the kept count (T' < T) or on
	// zero for a tiny positive p; clamp to [1, kept].
	k = min(max(k, 1), kept)
	return Threshold{unsigned: maxAdjusted - k}
}
