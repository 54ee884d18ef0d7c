package evidence

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBucketIndexBoundaries(t *testing.T) {
	for _, i := range []int32{-200, -1, 0, 1, 37, 150} {
		upper := BucketUpper(i)
		d := time.Duration(math.Round(upper * 1e9))
		if d.Seconds() > upper { // rounding to whole nanoseconds moved it up
			d--
		}
		got, ok := BucketIndex(d)
		assert.True(t, ok)
		assert.Equal(t, i, got, "duration %v at upper bound of %d", d, i)
		got, _ = BucketIndex(d + time.Duration(math.Max(2, upper*1e9*0.01)))
		assert.Equal(t, i+1, got, "just above the upper bound of %d", i)
	}
	_, ok := BucketIndex(0)
	assert.False(t, ok)
	i, _ := BucketIndex(time.Nanosecond)
	assert.Equal(t, int32(-479), i, "1 ns is inside the range")
	i, _ = BucketIndex(100 * time.Hour)
	assert.Equal(t, MaxIndex, i)
}

func TestBucketRelativeWidth(t *testing.T) {
	w := BucketUpper(0)/BucketLower(0) - 1
	assert.InDelta(t, 0.0443, w, 0.0001)
}

func TestHistogramGrowsBothWays(t *testing.T) {
	var h Histogram
	h.Add(5, 1)
	h.Add(2, 2)
	h.Add(8, 3)
	assert.Equal(t, int32(2), h.Offset)
	assert.Equal(t, []uint64{2, 0, 0, 1, 0, 0, 3}, h.Counts)
	assert.Equal(t, uint64(6), h.Total())
}

func ExampleBucketIndex() {
	for _, d := range []time.Duration{50 * time.Millisecond, 300 * time.Millisecond, time.Second} {
		i, _ := BucketIndex(d)
		fmt.Printf("%v: bucket %d (%.4f, %.4f] s\n", d, i, BucketLower(i), BucketUpper(i))
	}
	// Output:
	// 50ms: bucket -70 (0.0482, 0.0503] s
	// 300ms: bucket -28 (0.2973, 0.3105] s
	// 1s: bucket -1 (0.9576, 1.0000] s
}

func ExampleAdjustedCount() {
	// A trace kept with probability 10% stands for 10 traces.
	th := ThresholdOf(0.1)
	fmt.Printf("th=%#x adjusted count %.4f\n", th, AdjustedCount(th))
	// Output: th=0xe6666666666668 adjusted count 10.0000
}

// subBoundaries[j] = 2^((j+1)/16) / 2: the upper bounds of the 16 buckets of
// the octave [0.5, 1) seconds, the last being exactly 1: the
// reference implementation searches them.
var subBoundaries = func() (b [bucketsPerOctave]float64) {
	for j := range b {
		b[j] = math.Exp2(float64(j+1)/bucketsPerOctave) / 2
	}
	b[bucketsPerOctave-1] = 1
	return b
}()

// bucketIndexFrexp is BucketIndex as first written, with math.Frexp and a
// search over the float boundaries: the reference the bit-level version
// must match exactly, or evidence would change.
func bucketIndexFrexp(d time.Duration) (int32, bool) {
	if d <= 0 {
		return 0, false
	}
	frac, exp := math.Frexp(d.Seconds())
	if frac == 0.5 {
		frac, exp = 1, exp-1
	}
	sub := int32(0)
	for step := int32(8); step > 0; step /= 2 {
		if frac > subBoundaries[sub+step-1] {
			sub += step
		}
	}
	return min(max(int32(exp-1)*bucketsPerOctave+sub, MinIndex), MaxIndex), true
}

func TestBucketIndexMatchesFrexpReference(t *testing.T) {
	check := func(d time.Duration) {
		wi, wok := bucketIndexFrexp(d)
		gi, gok := BucketIndex(d)
		if wi != gi || wok != gok {
			t.Fatalf("duration %d ns: got %d %v, want %d %v", int64(d), gi, gok, wi, wok)
		}
	}
	// Every duration up to 200 µs, every bucket boundary +-3 ns, powers of
	// two, and 10^6 random durations up to 10^13 ns (seed 1).
	for d := time.Duration(-2); d <= 200000; d++ {
		check(d)
	}
	for i := MinIndex - 2; i <= MaxIndex+2; i++ {
		at := time.Duration(math.Round(BucketUpper(i) * 1e9))
		for d := at - 3; d <= at+3; d++ {
			check(d)
		}
	}
	for s := 0; s < 62; s++ {
		check(time.Duration(1) << s)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000000 {
		check(time.Duration(rng.Int64N(1e13)) + 1)
	}
}

func BenchmarkBucketIndex(b *testing.B) {
	var sink int32
	for i := 0; b.Loop(); i++ {
		x, _ := BucketIndex(time.Duration(i%1000+1) * 37 * time.Microsecond)
		sink += x
	}
	_ = sink
}

// BucketIndex settles the sub-bucket with one comparison: that holds only
// if no range of mantissas nsBelow indexes straddles two boundaries.
func TestSubBelowRangesHoldAtMostOneBoundary(t *testing.T) {
	for k := range len(nsBelow) {
		lo, hi := uint64(k)<<(52-subTableBits), uint64(k+1)<<(52-subTableBits)
		n := 0
		for _, m := range nsMantissas[:bucketsPerOctave] {
			if m >= lo && m < hi {
				n++
			}
		}
		if n > 1 {
			t.Fatalf("mantissa range %d holds %d boundaries", k, n)
		}
	}
}

// FindBucket, the per-span path, agrees with BucketIndex everywhere:
// the zero bucket, both clamped edges and every bucket between.
func TestFindBucketAgreesWithBucketIndex(t *testing.T) {
	ds := []time.Duration{math.MinInt64, -1, 0, 1, 2, 999, time.Microsecond, time.Second, time.Second + 1, 3 * time.Hour, math.MaxInt64}
	for d := time.Duration(1); d < 10*time.Hour; d = d*21/20 + 1 {
		ds = append(ds, d-1, d, d+1)
	}
	for _, d := range ds {
		i, ok := BucketIndex(d)
		s := Span{Duration: d}
		s.FindBucket()
		b, zero := s.Bucket()
		require.Equal(t, !ok, zero, "%v", d)
		if ok {
			require.Equal(t, i, b, "%v", d)
		}
	}
}
