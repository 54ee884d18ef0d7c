package evidence

// MaxThreshold is 2^56, the exclusive upper bound of a 56-bit rejection
// threshold (OpenTelemetry probability sampling: a span is kept when its
// 56-bit randomness is >= th, so it is kept with probability (2^56-th)/2^56).
const MaxThreshold uint64 = 1 << 56

// ValidThreshold reports whether th is a 56-bit rejection threshold.
func ValidThreshold(th uint64) bool { return th < MaxThreshold }

// AdjustedCount is the number of spans one kept span stands for,
// 2^56/(2^56-th) (the inverse inclusion probability; Horvitz and Thompson
// 1952). It returns 0 for an invalid threshold.
func AdjustedCount(th uint64) float64 {
	if !ValidThreshold(th) {
		return 0
	}
	return float64(MaxThreshold) / float64(MaxThreshold-th)
}

// ThresholdOf returns the rejection threshold of a keep probability p in
// (0, 1], rounded to the nearest representable value; p >= 1 gives 0.
func ThresholdOf(p float64) uint64 {
	if p >= 1 || p != p {
		return 0
	}
	if p <= 0 {
		return MaxThreshold - 1
	}
	th := uint64(float64(MaxThreshold) * (1 - p))
	if th >= MaxThreshold {
		th = MaxThreshold - 1
	}
	return th
}
