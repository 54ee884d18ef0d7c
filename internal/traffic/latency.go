package traffic

import (
	"math"
	"math/rand/v2"
	"time"
)

// z99 is the standard normal quantile at 0.99: a lognormal with median m and
// 99th percentile q has sigma = ln(q/m) / z99.
const z99 = 2.3263478740408408

// lognormal is a latency distribution fixed by its median and 99th
// percentile. sigma == 0 is a constant.
type lognormal struct {
	median float64 // seconds
	sigma  float64
}

func newLognormal(median, p99 time.Duration) lognormal {
	l := lognormal{median: median.Seconds()}
	if p99 > median {
		l.sigma = math.Log(float64(p99)/float64(median)) / z99
	}
	return l
}

// sample draws one normal value even for a constant, to keep the number of
// draws per span fixed.
func (l lognormal) sample(rng *rand.Rand) time.Duration {
	z := rng.NormFloat64()
	if l.sigma == 0 {
		return time.Duration(l.median * float64(time.Second))
	}
	return time.Duration(l.median * math.Exp(l.sigma*z) * float64(time.Second))
}

// quantile is the inverse CDF; it documents the model and lets tests compare
// generated latencies with the configured ones.
func (l lognormal) quantile(q float64) time.Duration {
	z := math.Sqrt2 * math.Erfinv(2*q-1)
	return time.Duration(l.median * math.Exp(l.sigma*z) * float64(time.Second))
}

func (l lognormal) cdf(d time.Duration) float64 {
	x := d.Seconds()
	if l.sigma == 0 || x <= 0 {
		if x >= l.median {
			return 1
		}
		return 0
	}
	return 0.5 * math.Erfc(-math.Log(x/l.median)/(l.sigma*math.Sqrt2))
}

// latencyModel is a lognormal body with an optional slow tail: a share of the
// draws comes from a second, slower lognormal. A slow tail on 2% of calls
// moves an operation's p99 without moving its median, which is how a
// regression hides from HTTP-level averages.
type latencyModel struct {
	body      lognormal
	slowShare float64
	slow      lognormal
}

func newLatencyModel(l *Latency) latencyModel {
	m := latencyModel{body: newLognormal(l.Median, l.P99)}
	if l.Slow != nil && l.Slow.Share > 0 {
		m.slowShare = l.Slow.Share
		m.slow = newLognormal(l.Slow.Median, l.Slow.P99)
	}
	return m
}

// sample always draws the same three random values, tail or no tail, so that
// two scenarios differing only in one operation's latency produce, for the
// same seed, the same requests with the same IDs: an A/A run and a regression
// run can be compared span for span.
func (m latencyModel) sample(rng *rand.Rand) time.Duration {
	u := rng.Float64()
	body := m.body.sample(rng)
	slow := m.slow.sample(rng)
	if u < m.slowShare {
		return slow
	}
	return body
}

// cdf is P(latency <= d) under the model.
func (m latencyModel) cdf(d time.Duration) float64 {
	return (1-m.slowShare)*m.body.cdf(d) + m.slowShare*m.slow.cdf(d)
}
