package sampling

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRandomnessFromTraceIDTakesRightmost56Bits(t *testing.T) {
	id := [16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde}
	r := RandomnessFromTraceID(id)
	assert.Equal(t, uint64(0x123456789abcde), r.Unsigned())
	assert.Equal(t, "123456789abcde", r.Hex())
}

func TestParseRandomness(t *testing.T) {
	r, err := ParseRandomness("00000000000001")
	require.NoError(t, err)
	assert.Equal(t, uint64(1), r.Unsigned())
	r, err = ParseRandomness("ffffffffffffff")
	require.NoError(t, err)
	assert.Equal(t, maxAdjusted-1, r.Unsigned())
	for _, s := range []string{"", "8", "0000000000000", "000000000000000", "FFFFFFFFFFFFFF", "0000000000000g"} {
		_, err := ParseRandomness(s)
		assert.ErrorIs(t, err, ErrInvalidRandomness, "%q", s)
	}
}

func TestRandomnessFromUnsigned(t *testing.T) {
	r, ok := RandomnessFromUnsigned(maxAdjusted - 1)
	assert.True(t, ok)
	assert.Equal(t, "ffffffffffffff", r.Hex())
	_, ok = RandomnessFromUnsigned(maxAdjusted)
	assert.False(t, ok)
}

func TestShouldSampleIsRAtLeastT(t *testing.T) {
	th, _ := ThresholdFromUnsigned(100)
	below, _ := RandomnessFromUnsigned(99)
	at, _ := RandomnessFromUnsigned(100)
	assert.False(t, th.ShouldSample(below))
	assert.True(t, th.ShouldSample(at))
	zero, _ := RandomnessFromUnsigned(0)
	assert.True(t, AlwaysSample.ShouldSample(zero))
	top, _ := RandomnessFromUnsigned(maxAdjusted - 1)
	assert.False(t, NeverSample.ShouldSample(top))
}
