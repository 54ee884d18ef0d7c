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
	return positiveBucket(d), true
}

// positiveBucket is BucketIndex of a positive duration. It works on the
// nanoseconds as a float (exact below 2^53 ns, 104 days; beyond, the index
// is clamped anyway), so no division turns them into seconds. With
// nanoseconds = 2^e * (1 + m), the boundaries 2^(k/16) * 1e9 fall at the
// same 16 mantissas in every binade (1e9 only shifts them), so the binade
// gives 16 buckets and the mantissa's top bits, then one comparison, the
// one within it: no logarithm, no search, one branch. The clamp has none;
// small enough to inline into the per-span path.
func positiveBucket(d time.Duration) int32 {
	bits := math.Float64bits(float64(d))
	e := int32(bits>>52) - 1023
	mant := bits & mantissaMask
	sub := int32(nsBelow[mant>>(52-subTableBits)])
	if mant > nsMantissas[sub] {
		sub++
	}
	return min(max(e*bucketsPerOctave+sub-nsIndexShift, MinIndex), MaxIndex)
}

const mantissaMask = 1<<52 - 1

// nsMantissas holds the mantissa bits (of a float in [1, 2)) at which the
// bucket boundaries 2^(k/16) s fall in every binade of nanoseconds:
// 2^((j-14)/16) * 1e9/2^29 for j = 0..15, increasing. 1e9/2^29, the one
// boundary that is a whole number of nanoseconds (a power of two seconds
// times 1e9) is exact: that is where an integer duration can sit on a
// boundary. The last entry holds the largest mantissa, which no mantissa
// is above, so BucketIndex's comparison never moves past 16.
var nsMantissas = func() (m [bucketsPerOctave + 1]uint64) {
	oneSecond := math.Float64frombits(math.Float64bits(1e9)&mantissaMask | 1023<<52) // 1e9 / 2^29
	for j := range bucketsPerOctave {
		p := oneSecond
		if j != nsOctaveSub {
			p *= math.Exp2(float64(j-nsOctaveSub) / bucketsPerOctave)
		}
		m[j] = math.Float64bits(p) & mantissaMask
	}
	m[bucketsPerOctave] = mantissaMask
	return m
}()

// nsOctaveSub is the place among nsMantissas of the boundaries at whole
// powers of two seconds, and nsIndexShift turns 16 * binade + place into
// the bucket index: with 1e9 = 2^29 * 1.86..., 1 s (binade 29, above 14 of
// the 16 places) closes bucket -1.
const (
	nsOctaveSub  = 14
	nsIndexShift = 29*bucketsPerOctave + nsOctaveSub + 1
)

// subTableBits is how many top mantissa bits index nsBelow: 2^-8 of a
// binade is far narrower than a bucket (4.4%), so each range holds at most
// one boundary.
const subTableBits = 8

// nsBelow[k] is the number of boundaries below the smallest mantissa with
// top bits k.
var nsBelow = func() (t [1 << subTableBits]uint8) {
	for k := range t {
		lo := uint64(k) << (52 - subTableBits)
		for j := range bucketsPerOctave {
			if lo > nsMantissas[j] {
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
	// Nearly every span lands within the buckets already there.
	if j := uint32(i - h.Offset); j < uint32(len(h.Counts)) {
		h.Counts[j] += n
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
