package sampling

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseThreshold(t *testing.T) {
	valid := map[string]uint64{
		"0":              0,
		"8":              1 << 55,
		"80":             1 << 55, // trailing zeros are optional
		"00000000000000": 0,
		"00000000000001": 1,
		"c":              3 << 54,
		"ffffffffffffff": maxAdjusted - 1,
	}
	for s, want := range valid {
		th, err := ParseThreshold(s)
		require.NoError(t, err, s)
		assert.Equal(t, want, th.Unsigned(), s)
	}
	for _, s := range []string{"", "E666", "g", "0x8", " 8", "8 ", "-1", "123456789abcdef", "8;"} {
		_, err := ParseThreshold(s)
		assert.ErrorIs(t, err, ErrInvalidThreshold, "%q", s)
	}
}

func TestThresholdHexIsCanonicalAndRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		u := rng.Uint64N(maxAdjusted)
		u &^= (uint64(1) << (4 * rng.IntN(hexDigits))) - 1 // vary the number of trailing zero digits
		th, ok := ThresholdFromUnsigned(u)
		require.True(t, ok)
		s := th.Hex()
		require.NotEmpty(t, s)
		if u != 0 {
			require.NotEqual(t, byte('0'), s[len(s)-1], "trailing zero in %q", s)
		}
		back, err := ParseThreshold(s)
		require.NoError(t, err)
		require.Equal(t, th, back, s)
	}
	assert.Equal(t, "0", AlwaysSample.Hex())
	assert.Equal(t, "", NeverSample.Hex())
}

func TestThresholdFromUnsignedRange(t *testing.T) {
	th, ok := ThresholdFromUnsigned(maxAdjusted)
	assert.True(t, ok)
	assert.Equal(t, NeverSample, th)
	_, ok = ThresholdFromUnsigned(maxAdjusted + 1)
	assert.False(t, ok)
}

func TestProbabilityAndAdjustedCount(t *testing.T) {
	assert.Equal(t, 1.0, AlwaysSample.Probability())
	assert.Equal(t, 1.0, AlwaysSample.AdjustedCount())
	assert.Equal(t, 0.0, NeverSample.Probability())
	assert.Equal(t, 0.0, NeverSample.AdjustedCount())
	th, _ := ParseThreshold("ffffffffffffff") // keeps one value in 2^56
	assert.Equal(t, math.Ldexp(1, -56), th.Probability())
	assert.Equal(t, math.Ldexp(1, 56), th.AdjustedCount())
}

func TestProbabilityToThresholdRejects(t *testing.T) {
	for _, p := range []float64{0, -0.1, 1.0000001, math.NaN(), math.Inf(1), math.Inf(-1)} {
		_, err := ProbabilityToThreshold(p)
		assert.ErrorIs(t, err, ErrProbabilityRange, "p=%v", p)
	}
	for _, d := range []int{0, 15} {
		_, err := ProbabilityToThresholdWithPrecision(0.5, d)
		assert.Error(t, err, "digits=%d", d)
	}
}

// The encoded probability is within half a unit of the fourth significant
// hex digit: relative error at most 16^-3/2 (the leading digit is >= 1).
func TestProbabilityToThresholdRelativeError(t *testing.T) {
	bound := math.Pow(16, -3) / 2
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		p := math.Exp(-rng.Float64() * 30) // log-uniform over (e^-30, 1]
		th, err := ProbabilityToThreshold(p)
		require.NoError(t, err)
		require.LessOrEqual(t, math.Abs(th.Probability()-p)/p, bound, "p=%v th=%s", p, th.Hex())
		require.LessOrEqual(t, len(th.Hex()), 4+leadingF(th.Hex()), "th=%s", th.Hex())
	}
}

func leadingF(s string) int {
	n := 0
	for n < len(s) && s[n] == 'f' {
		n++
	}
	return n
}

func TestProbabilityToThresholdTinyKeepsSomething(t *testing.T) {
	th, err := ProbabilityToThreshold(math.SmallestNonzeroFloat64)
	require.NoError(t, err)
	assert.Equal(t, "ffffffffffffff", th.Hex())
}

func TestComposeNeverLowersAndMultiplies(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		up, _ := ThresholdFromUnsigned(rng.Uint64N(maxAdjusted)) // any upstream th, up to 14 digits
		p := rng.Float64()
		got, err := up.Compose(p)
		require.NoError(t, err)
		require.GreaterOrEqual(t, got.Unsigned(), up.Unsigned(), "Compose lowered %s by p=%v", up.Hex(), p)
		want := up.Probability() * p
		if got.kept() > 1 && got.kept() < up.kept() { // not clamped
			require.InDelta(t, want, got.Probability(), precisionBound(want), "th=%s p=%v", up.Hex(), p)
		}
	}
}

func TestComposeEdges(t *testing.T) {
	up, _ := ParseThreshold("123456789abcde")
	same, err := up.Compose(1)
	require.NoError(t, err)
	assert.Equal(t, up, same, "p=1 must keep every digit of the upstream th")
	none, err := up.Compose(0)
	require.NoError(t, err)
	assert.Equal(t, NeverSample, none)
	never, err := NeverSample.Compose(0.5)
	require.NoError(t, err)
	assert.Equal(t, NeverSample, never)
	tiny, err := up.Compose(1e-300)
	require.NoError(t, err)
	assert.Equal(t, "ffffffffffffff", tiny.Hex(), "a positive p keeps at least one value")
	near, err := up.Compose(1 - 1e-12) // rounds above the kept count: clamped to up
	require.NoError(t, err)
	assert.Equal(t, up, near)
	for _, p := range []float64{-0.5, 1.5, math.NaN()} {
		_, err := up.Compose(p)
		assert.ErrorIs(t, err, ErrProbabilityRange, "p=%v", p)
	}
}

func TestComposeIsMonotoneInP(t *testing.T) {
	up, _ := ParseThreshold("4")
	prev := up
	for i := 1000; i >= 0; i-- {
		th, err := up.Compose(float64(i) / 1000)
		require.NoError(t, err)
		require.GreaterOrEqual(t, th.Unsigned(), prev.Unsigned(), "p=%v", float64(i)/1000)
		prev = th
	}
}

func TestMaxThreshold(t *testing.T) {
	a, _ := ParseThreshold("8")
	b, _ := ParseThreshold("e666")
	assert.Equal(t, b, MaxThreshold(a, b))
	assert.Equal(t, b, MaxThreshold(b, a))
	assert.Equal(t, NeverSample, MaxThreshold(NeverSample, AlwaysSample))
	assert.True(t, a.Less(b))
	assert.False(t, b.Less(a))
}

// scaleRound is checked against exact rational arithmetic.
func TestScaleRoundIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range 50000 {
		k := rng.Uint64N(maxAdjusted) + 1
		if i%4 == 0 {
			k = maxAdjusted
		}
		p := rng.Float64()
		if i%3 == 0 {
			p = math.Ldexp(p, -rng.IntN(60))
		}
		digits := 1 + rng.IntN(hexDigits)
		require.Equal(t, referenceScaleRound(k, p, digits), scaleRound(k, p, digits), "k=%#x p=%v digits=%d", k, p, digits)
	}
}

func referenceScaleRound(k uint64, p float64, digits int) uint64 {
	x := new(big.Rat).Mul(new(big.Rat).SetInt(new(big.Int).SetUint64(k)), new(big.Rat).SetFloat64(p))
	whole := new(big.Int).Quo(x.Num(), x.Denom())
	drop := 0
	if n := (whole.BitLen() + 3) / 4; n > digits {
		drop = 4 * (n - digits)
	}
	unit := new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), uint(drop)))
	q := new(big.Rat).Quo(x, unit)
	q.Add(q, big.NewRat(1, 2))
	r := new(big.Int).Quo(q.Num(), q.Denom())
	return r.Lsh(r, uint(drop)).Uint64()
}

// precisionBound is the largest error of a probability rounded to
// DefaultPrecision significant hex digits of its kept count: half a unit in
// the fourth digit, relative, or half of one randomness value, 2^-57, when
// the kept count is too small to have four digits.
func precisionBound(p float64) float64 {
	return max(p*math.Pow(16, -3)/2, math.Ldexp(1, -57))
}
