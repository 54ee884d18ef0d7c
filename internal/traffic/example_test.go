package traffic

import (
	"fmt"
	"time"
)

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
