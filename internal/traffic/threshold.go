package traffic

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
)

// The OpenTelemetry probability-sampling specification (tracestate handling,
// "th" sub-key of the "ot" entry) compares a 56-bit randomness value R with a
// 56-bit rejection threshold T: the span is kept when R >= T, so the keep
// probability is 1 - T/2^56. T is written as up to 14 hex digits with
// trailing zeros removed ("0" for always-keep).
//
// internal/sampling will hold the shared implementation; this local copy
// keeps canarygen independent of it while it is being written.
const (
	randomnessBits = 56
	maxThreshold   = uint64(1) << randomnessBits // T = 2^56 would reject everything
	randomnessMask = maxThreshold - 1
)

// probabilityToThreshold returns T for a keep probability p in (0, 1].
// It scales p rather than 1-p: for the small probabilities sampling uses,
// p·2^56 is exact to the unit in a float64 while (1-p)·2^56 is rounded to a
// multiple of 8.
func probabilityToThreshold(p float64) uint64 {
	kept := math.Round(p * float64(maxThreshold))
	if kept < 1 {
		return maxThreshold - 1 // the smallest probability that can be written
	}
	if kept >= float64(maxThreshold) {
		return 0
	}
	return maxThreshold - uint64(kept)
}

// thresholdHex encodes T as the value of the th sub-key.
func thresholdHex(t uint64) string {
	if t == 0 {
		return "0"
	}
	s := strconv.FormatUint(t, 16)
	s = strings.Repeat("0", 14-len(s)) + s
	return strings.TrimRight(s, "0")
}

// traceRandomness is R: the rightmost 56 bits of the trace ID, which the
// specification requires to be random when no rv sub-key is present.
func traceRandomness(id [16]byte) uint64 {
	return binary.BigEndian.Uint64(id[8:]) & randomnessMask
}

// withThreshold returns the ot tracestate value with th set, keeping any
// other sub-keys (rv, vendor keys) in their order.
func withThreshold(ot, th string) string {
	parts := []string{"th:" + th}
	for _, kv := range strings.Split(ot, ";") {
		if kv != "" && !strings.HasPrefix(kv, "th:") {
			parts = append(parts, kv)
		}
	}
	return strings.Join(parts, ";")
}
