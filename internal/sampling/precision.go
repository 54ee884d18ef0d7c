package sampling

import (
	"math"
	"math/bits"
)

// DefaultPrecision is the number of significant hex digits of the kept count
// 2^56·p that ProbabilityToThreshold and Compose keep; the rest is rounded
// to nearest.
//
// Why 4: the relative error of the probability is then at most half a unit
// in the fourth digit over a leading digit of at least 1, 16^-3/2 ≈ 1.2e-4,
// at every scale (1%, 0.01% and 10% are equally precise; only below
// p ≈ 2^-44, where 2^56·p has fewer than four digits, the error becomes half
// of one randomness value, 2^-57), which is far below
// the sampling noise of any estimate made from the kept spans. The `th` then
// needs only four digits past its leading run of 'f's: 10% is "e666", 1/3 is
// "aaab", 0.1% is "ffbe77". Full 14-digit thresholds would add ten bytes of
// tracestate to every kept span for no statistical gain. Rounding happens
// once, when the threshold is made; the rounded value is the one that
// decides and the one written, so adjusted counts are exact for what was
// done.
const DefaultPrecision = 4

// scaleRound returns k·p rounded to nearest (ties up) at `digits`
// significant hex digits, computed exactly: a float64 holds only 53 bits, a
// kept count up to 57, so the product is formed in 128 bits.
func scaleRound(k uint64, p float64, digits int) uint64 {
	frac, exp := math.Frexp(p)              // p = frac·2^exp, frac in [0.5, 1)
	mant := uint64(math.Ldexp(frac, 53))    // exact: 53-bit mantissa
	hi, lo := bits.Mul64(k, mant)           // k·p = (hi,lo) / 2^shift
	shift := 53 - exp                       // >= 52 since p <= 1
	length := 128 - bits.LeadingZeros64(hi) // bit length of the product
	if hi == 0 {
		length = 64 - bits.LeadingZeros64(lo)
	}
	// Digits of the integer part of k·p; round away those past `digits`.
	intBits := max(length-shift, 0)
	drop := max((intBits+3)/4-digits, 0) * 4
	unit := shift + drop // round the product to a multiple of 2^unit
	if unit > length {
		return 0 // below half a unit
	}
	// Add half a unit, then shift it away; the product is below 2^110, so
	// the addition cannot overflow 128 bits.
	var carry uint64
	if unit > 64 {
		hi += 1 << (unit - 65)
	} else {
		lo, carry = bits.Add64(lo, 1<<(unit-1), 0)
		hi += carry
	}
	return shiftRight128(hi, lo, unit) << drop
}

// shiftRight128 returns the low 64 bits of (hi,lo) >> n for n in [1, 127].
func shiftRight128(hi, lo uint64, n int) uint64 {
	if n >= 64 {
		return hi >> (n - 64)
	}
	return lo>>n | hi<<(64-n)
}
