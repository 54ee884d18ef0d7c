package evidence

import (
	"math"
	"time"
)

// Scale is the base-2 exponential scale of every latency histogram: bucket
// boundaries are 2^(i/2^Scale) seconds, a relative width of
// 2^(1/16)-1 = 4.4%. It is fixed so that histograms from every instance and
// every restart align and add exactly; 4.4% keeps a quantile's bucket
// error well under the smallest tolerance worth configuring (10%).
const Scale = 4

const bucketsPerOctave = 1 << Scale

// MinIndex and MaxIndex bound the bucket index: below 1 ns to 2.6 hours.
// Durations beyond them are counted in the edge buckets.
const (
	MinIndex int32 = -30 * bucketsPerOctave
	MaxIndex int32 = 13*bucketsPerOctave + bucketsPerOctave/4
)

// BucketIndex returns the index of the bucket that holds a positive duration:
// the i with 2^(i/16) < seconds <= 2^((i+1)/16), clamped to
// [MinIndex, MaxIndex]. ok is false for d <= 0 (the zero bucket).
func BucketIndex(d time.Duration) (index int32, ok bool) {
	if d <= 0 {
		return 0, false
	}
	// seconds = 2^exp * frac with frac in [0.5, 1): the octave comes from
	// the exponent bits, the sub-bucket from the mantissa bits (within one
	// binade floats order as their mantissas). The mantissa's top bits pick
	// the sub-bucket up to the one boundary their range may straddle, and
	// one comparison settles it: no logarithm, no search, one branch.
	// d >= 1 ns is a normal float.
	bits := math.Float64bits(d.Seconds())
	exp := int32(bits>>52&0x7ff) - 1022
	mant := bits & mantissaMask
	sub := int32(0)
	if mant == 0 { // an exact power of two closes the octave below
		exp, sub = exp-1, bucketsPerOctave-1
	} else {
		sub = int32(subBelow[mant>>(52-subTableBits)])
		if mant > subMantissas[sub] {
			sub++
		}
	}
	x := (exp-1)*bucketsPerOctave + sub
	if x < MinIndex {
		return MinIndex, true
	}
	if x > MaxIndex {
		return MaxIndex, true
	}
	return x, true
}

// subBoundaries[j] = 2^((j+1)/16) / 2: the upper bounds of the 16 buckets of
// the octave [0.5, 1), the last being exactly 1. A value in (b[j-1], b[j]]
// is sub-bucket j of the octave whose lower bound is 2^(exp-1).
var subBoundaries = func() (b [bucketsPerOctave]float64) {
	for j := range b {
		b[j] = math.Exp2(float64(j+1)/bucketsPerOctave) / 2
	}
	b[bucketsPerOctave-1] = 1
	return b
}()

const mantissaMask = 1<<52 - 1

// subMantissas holds the mantissa bits of subBoundaries but the last (1,
// whose place holds the largest mantissa: no mantissa is above it, so the
// comparison in BucketIndex never moves past sub-bucket 15).
var subMantissas = func() (m [bucketsPerOctave]uint64) {
	for j := range bucketsPerOctave - 1 {
		m[j] = math.Float64bits(subBoundaries[j]) & mantissaMask
	}
	m[bucketsPerOctave-1] = mantissaMask
	return m
}()

// subTableBits is how many top mantissa bits index subBelow: 2^-8 of an
// octave is far narrower than a bucket (4.4%), so each range holds at most
// one boundary.
const subTableBits = 8

// subBelow[k] is the sub-bucket of the smallest mantissa with top bits k:
// the number of boundaries below it.
var subBelow = func() (t [1 << subTableBits]uint8) {
	for k := range t {
		lo := uint64(k) << (52 - subTableBits)
		for j := range bucketsPerOctave - 1 {
			if lo > subMantissas[j] {
				t[k]++
			}
		}
	}
	return t
}()

// BucketLower returns the exclusive lower bound of bucket i in seconds.
func BucketLower(i int32) float64 { return math.Exp2(float64(i) / bucketsPerOctave) }

// BucketUpper returns the inclusive upper bound of bucket i in seconds.
func BucketUpper(i int32) float64 { return math.Exp2(float64(i+1) / bucketsPerOctave) }

// Histogram holds integer counts on the fixed buckets: Counts[j] is bucket
// Offset+j. The zero value is empty.
type Histogram struct {
	Zero   uint64
	Offset int32
	Counts []uint64
}

// Add adds n to bucket i.
func (h *Histogram) Add(i int32, n uint64) {
	if n == 0 {
		return
	}
	h.grow(i)
	h.Counts[i-h.Offset] += n
}

// grow makes bucket i addressable, keeping existing counts.
func (h *Histogram) grow(i int32) {
	if len(h.Counts) == 0 {
		h.Offset = i
		h.Counts = append(h.Counts[:0], 0)
		return
	}
	if i < h.Offset {
		shift := int(h.Offset - i)
		n := len(h.Counts)
		for k := 0; k < shift; k++ {
			h.Counts = append(h.Counts, 0)
		}
		copy(h.Counts[shift:], h.Counts[:n])
		clear(h.Counts[:shift])
		h.Offset = i
		return
	}
	for int(i-h.Offset) >= len(h.Counts) {
		h.Counts = append(h.Counts, 0)
	}
}

// Merge adds every count of o.
func (h *Histogram) Merge(o Histogram) {
	h.Zero += o.Zero
	for j, n := range o.Counts {
		h.Add(o.Offset+int32(j), n)
	}
}

// Total returns the number of observations, the zero bucket included.
func (h Histogram) Total() uint64 {
	t := h.Zero
	for _, n := range h.Counts {
		t += n
	}
	return t
}

// reset empties h keeping its storage.
func (h *Histogram) reset() {
	h.Zero, h.Offset = 0, 0
	h.Counts = h.Counts[:0]
}

// clone returns a deep copy.
func (h Histogram) clone() Histogram {
	c := h
	c.Counts = append([]uint64(nil), h.Counts...)
	return c
}
