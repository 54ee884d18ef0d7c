package judge

import (
	"math"

	"github.com/canarytrace/canarytrace/internal/evidence"
)

// weightedHistogram is a latency histogram on the evidence buckets with real
// weights (adjusted counts, step weights). Within a bucket, durations are
// taken as log-uniform: the buckets are geometric, so that is the
// interpolation that treats every sub-interval alike.
type weightedHistogram struct {
	zero   float64
	offset int32
	counts []float64
	// sum is zero plus every count, kept as they are added: the total is
	// read several times per check (quantiles, bands, shares).
	sum float64
}

// addScaled adds f times every count of h.
func (w *weightedHistogram) addScaled(h *evidence.Histogram, f float64) {
	if f == 0 {
		return
	}
	w.zero += f * float64(h.Zero)
	w.sum += f * float64(h.Zero)
	if len(h.Counts) == 0 {
		return
	}
	w.grow(h.Offset, h.Offset+int32(len(h.Counts))-1)
	base := int(h.Offset - w.offset)
	for j, n := range h.Counts {
		x := f * float64(n)
		w.counts[base+j] += x
		w.sum += x
	}
}

func (w *weightedHistogram) addWeighted(o *weightedHistogram) {
	w.zero += o.zero
	w.sum += o.sum
	if len(o.counts) == 0 {
		return
	}
	w.grow(o.offset, o.offset+int32(len(o.counts))-1)
	base := int(o.offset - w.offset)
	for j, n := range o.counts {
		w.counts[base+j] += n
	}
}

func (w *weightedHistogram) grow(lo, hi int32) {
	if len(w.counts) == 0 {
		w.offset = lo
		w.counts = make([]float64, hi-lo+1)
		return
	}
	if lo < w.offset {
		c := make([]float64, int(w.offset-lo)+len(w.counts))
		copy(c[w.offset-lo:], w.counts)
		w.counts, w.offset = c, lo
	}
	if need := int(hi-w.offset) + 1; need > len(w.counts) {
		w.counts = append(w.counts, make([]float64, need-len(w.counts))...)
	}
}

func (w *weightedHistogram) total() float64 { return w.sum }

// quantile returns the q-quantile in seconds (0 if it falls among zero
// durations, NaN if empty).
func (w *weightedHistogram) quantile(q float64) float64 {
	total := w.total()
	if !(total > 0) {
		return math.NaN()
	}
	target := q * total
	if target <= w.zero {
		return 0
	}
	at := func(j int, f float64) float64 {
		return math.Exp2((float64(w.offset+int32(j)) + f) / (1 << evidence.Scale))
	}
	if q > 0.5 {
		// Walk down from the slowest bucket: upper quantiles are what the
		// checks read most, and the tail is the short end.
		rest, acc := total-target, 0.0
		for j := len(w.counts) - 1; j >= 0; j-- {
			if c := w.counts[j]; c > 0 && acc+c >= rest {
				return at(j, 1-(rest-acc)/c)
			}
			acc += w.counts[j]
		}
		return 0
	}
	cum := w.zero
	for j, c := range w.counts {
		if c > 0 && cum+c >= target {
			return at(j, (target-cum)/c)
		}
		cum += c
	}
	last := w.offset + int32(len(w.counts)) - 1
	return evidence.BucketUpper(last)
}

// above returns the weight of durations greater than y seconds.
func (w *weightedHistogram) above(y float64) float64 {
	if !(y > 0) {
		return w.total() - w.zero
	}
	pos := math.Log2(y) * (1 << evidence.Scale) // bucket i spans (i, i+1] in pos
	s := 0.0
	for j, c := range w.counts {
		if c == 0 {
			continue
		}
		lo := float64(w.offset + int32(j))
		switch {
		case pos <= lo:
			s += c
		case pos < lo+1:
			s += c * (lo + 1 - pos)
		}
	}
	return s
}

// quantileBand is a pointwise confidence band for the q-quantile, for
// charts (it is not the sequential test, which works on the contrast):
// distribution-free order-statistic bounds, the quantiles at ranks
// q ± z·sqrt(q(1-q)/n) (the normal approximation to the binomial count of
// calls below the true quantile; Conover, Practical Nonparametric
// Statistics, 3rd ed., sec. 3.2), n the observed (not adjusted) calls. Zero
// without calls.
func (w *weightedHistogram) quantileBand(q float64, observed int64, confidence float64) [2]float64 {
	if observed <= 0 {
		return [2]float64{}
	}
	z := math.Sqrt2 * math.Erfinv(confidence)
	half := z * math.Sqrt(q*(1-q)/float64(observed))
	lo, hi := w.quantile(math.Max(0, q-half)), w.quantile(math.Min(1, q+half))
	return [2]float64{finiteOrZero(lo), finiteOrZero(hi)}
}
