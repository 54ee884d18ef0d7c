package traffic

import (
	"fmt"
	"time"
)

// The th sub-key is the rejection threshold (1-p)·2^56 in hex with trailing
// zeros dropped: keeping 10% rejects randomness below 0xe6666666666666, keeping 1/2
// rejects below 0x8, keeping everything writes "0".
func Example_thresholdHex() {
	for _, p := range []float64{1, 0.5, 0.25, 0.1, 0.01, 1.0 / 3} {
		fmt.Printf("p=%.4f th:%s\n", p, thresholdHex(probabilityToThreshold(p)))
	}
	// Output:
	// p=1.0000 th:0
	// p=0.5000 th:8
	// p=0.2500 th:c
	// p=0.1000 th:e6666666666666
	// p=0.0100 th:fd70a3d70a3d71
	// p=0.3333 th:aaaaaaaaaaaaac
}

// A lognormal latency is fixed by its median and p99; the slow tail of the
// latency-regression scenario puts 2% of calls near 300 ms, which is where
// the operation's p99 then lies.
func Example_latencyModel() {
	body := newLognormal(6*time.Millisecond, 50*time.Millisecond)
	fmt.Println(body.quantile(0.5).Round(time.Millisecond), body.quantile(0.99).Round(time.Millisecond))
	m := newLatencyModel(&Latency{Median: 6 * time.Millisecond, P99: 50 * time.Millisecond,
		Slow: &SlowTail{Share: 0.02, Median: 300 * time.Millisecond, P99: 330 * time.Millisecond}})
	fmt.Printf("P(latency <= 50ms) = %.4f, P(latency <= 300ms) = %.4f\n", m.cdf(50*time.Millisecond), m.cdf(300*time.Millisecond))
	// Output:
	// 6ms 50ms
	// P(latency <= 50ms) = 0.9702, P(latency <= 300ms) = 0.9900
}
