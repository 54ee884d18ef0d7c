package canaryanalysisconnector

import (
	"math"

	"github.com/canarytrace/canarytrace/internal/evidence"
)

// whist is a histogram of span durations weighted by adjusted count, on the
// evidence's fixed scale-4 buckets (so every instance's buckets align).
// Weights are floats: an adjusted count 1/p is rarely an integer.
//
// When sent is tracked (user metrics), sent[j] is the integer count of
// bucket offset+j already emitted, so delta temporality emits
// round(w) - sent: rounding the cumulative weight, never the increments,
// keeps the emitted counts within 0.5 of the estimate however many
// exports there are.
type whist struct {
	zero   float64
	offset int32
	w      []float64

	track    bool
	sentZero uint64
	sent     []uint64
}

func (h *whist) add(i int32, zero bool, weight float64) {
	if zero {
		h.zero += weight
		return
	}
	// Nearly every span lands within the buckets already there.
	if j := uint32(i - h.offset); j < uint32(len(h.w)) {
		h.w[j] += weight
		return
	}
	h.grow(i)
	h.w[i-h.offset] += weight
}

func (h *whist) grow(i int32) {
	if len(h.w) == 0 {
		h.offset = i
		h.w = append(h.w[:0], 0)
		if h.track {
			h.sent = append(h.sent[:0], 0)
		}
		return
	}
	if i < h.offset {
		shift := int(h.offset - i)
		h.w = append(make([]float64, shift, shift+len(h.w)), h.w...)
		if h.track {
			h.sent = append(make([]uint64, shift, shift+len(h.sent)), h.sent...)
		}
		h.offset = i
		return
	}
	for int(i-h.offset) >= len(h.w) {
		h.w = append(h.w, 0)
		if h.track {
			h.sent = append(h.sent, 0)
		}
	}
}

func (h *whist) merge(o *whist) {
	h.zero += o.zero
	for j, w := range o.w {
		if w != 0 {
			h.add(o.offset+int32(j), false, w)
		}
	}
}

func (h *whist) total() float64 {
	t := h.zero
	for _, w := range h.w {
		t += w
	}
	return t
}

// clearWeights zeroes every weight, keeping the bucket layout (and what
// was sent of each bucket).
func (h *whist) clearWeights() {
	h.zero = 0
	clear(h.w)
}

func (h *whist) reset() {
	h.zero, h.offset = 0, 0
	h.w = h.w[:0]
}

// quantile returns the q-quantile in seconds: the geometric middle of the
// bucket holding it (within 2.2% of any value in the bucket), 0 in the zero
// bucket. ok is false for an empty histogram.
func (h *whist) quantile(q float64) (float64, bool) {
	total := h.total()
	if total <= 0 {
		return 0, false
	}
	target := q * total
	acc := h.zero
	if acc >= target && h.zero > 0 {
		return 0, true
	}
	for j, w := range h.w {
		acc += w
		if acc >= target && w > 0 {
			return math.Exp2((float64(h.offset+int32(j)) + 0.5) / (1 << evidence.Scale)), true
		}
	}
	// Rounding left target a hair above the sum: the last non-empty bucket.
	for j := len(h.w) - 1; j >= 0; j-- {
		if h.w[j] > 0 {
			return math.Exp2((float64(h.offset+int32(j)) + 0.5) / (1 << evidence.Scale)), true
		}
	}
	return 0, true
}

func roundCount(w float64) uint64 { return uint64(math.Round(w)) }
