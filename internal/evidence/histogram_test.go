package evidence

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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
