package sampling

const (
	// numBits is the width of randomness and thresholds.
	numBits = 56
	// hexDigits is the number of hex digits of a full 56-bit value.
	hexDigits = numBits / 4
	// maxAdjusted is 2^56: the threshold that rejects everything, and the
	// denominator of every probability.
	maxAdjusted = uint64(1) << numBits
	// randomnessMask is 2^56 - 1, the largest randomness and the largest
	// threshold that still keeps something.
	randomnessMask = maxAdjusted - 1
)

const lowerHex = "0123456789abcdef"

// parseHex reads up to 14 lowercase hex digits as the most significant
// digits of a 56-bit value (so "8" is 2^55). Uppercase is rejected: the
// specification's grammar for th and rv is lowercase only.
func parseHex(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > hexDigits {
		return 0, false
	}
	var u uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		default:
			return 0, false
		}
		u = u<<4 | uint64(d)
	}
	return u << (4 * (hexDigits - len(s))), true
}

// formatHex writes the 14 hex digits of a 56-bit value into b.
func formatHex(b []byte, u uint64) {
	for i := hexDigits - 1; i >= 0; i-- {
		b[i] = lowerHex[u&0xf]
		u >>= 4
	}
}
