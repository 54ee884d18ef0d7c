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

func (l lognormal) sample(rng *rand.Rand) time.Duration {
	if l.sigma == 0 {
		return time.Duration(l.median * float64(time.Second))
	}
	return time.Duration(l.median * math.Exp(l.sigma*rng.NormFloat64()) * float64(time.Second))
}

// quantile is the inverse CDF; it documents the model and lets tests compare
// generated latencies with the configured ones.
func (l lognormal) quantile(q float64) time.Duration {
	z := math.Sqrt2 * math.Erfinv(2*q-1)
	return time.Duration(l.median * math.Exp(l.sigma*z) * float64(time.Second))
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

// sample always draws the same number of random values so that changing a
// tail's share does not shift every later draw of the run.
func (m latencyModel) sample(rng *rand.Rand) time.Duration {
	u := rng.Float64()
	body := m.body.sample(rng)
	if u < m.slowShare {
		return m.slow.sample(rng)
	}
	return body
}
