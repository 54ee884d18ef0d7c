package sampling_test

import (
	"fmt"

	"github.com/canarytrace/canarytrace/internal/sampling"
)

// Probabilities are rounded to four significant hex digits of 2^56·p, so the
// th stays short and the probability it encodes is within 1.2e-4 (relative)
// of the one asked for; that encoded probability is the one used.
func ExampleProbabilityToThreshold() {
	for _, p := range []float64{1, 0.5, 0.25, 0.1, 1.0 / 3, 0.01, 0.001} {
		t, _ := sampling.ProbabilityToThreshold(p)
		fmt.Printf("p=%-8.6g th=%-7s p'=%.8f adjusted=%.6f\n", p, t.Hex(), t.Probability(), t.AdjustedCount())
	}
	// Output:
	// p=1        th=0       p'=1.00000000 adjusted=1.000000
	// p=0.5      th=8       p'=0.50000000 adjusted=2.000000
	// p=0.25     th=c       p'=0.25000000 adjusted=4.000000
	// p=0.1      th=e666    p'=0.10000610 adjusted=9.999390
	// p=0.333333 th=aaab    p'=0.33332825 adjusted=3.000046
	// p=0.01     th=fd70a   p'=0.01000023 adjusted=99.997711
	// p=0.001    th=ffbe77  p'=0.00099999 adjusted=1000.012875
}

// The full-precision encoding keeps all 14 digits when asked.
func ExampleProbabilityToThresholdWithPrecision() {
	t, _ := sampling.ProbabilityToThresholdWithPrecision(0.1, 14)
	fmt.Println(t.Hex())
	// Output:
	// e6666666666666
}

// A span is kept when its randomness, the trace ID's rightmost 56 bits, is
// at least the threshold.
func ExampleThreshold_ShouldSample() {
	th, _ := sampling.ParseThreshold("e666")
	low := sampling.RandomnessFromTraceID([16]byte{8: 0x00, 9: 0xe6, 10: 0x65})
	high := sampling.RandomnessFromTraceID([16]byte{8: 0xff, 9: 0xe6, 10: 0x66})
	fmt.Println(low.Hex(), th.ShouldSample(low))
	fmt.Println(high.Hex(), th.ShouldSample(high))
	// Output:
	// e6650000000000 false
	// e6660000000000 true
}

// An upstream head sampler kept 50%; this stage keeps 10% of that, so the
// span is kept with 5% overall and counts for 20. Precision is relative to
// the probability, so the smaller one takes a fifth digit.
func ExampleThreshold_Compose() {
	upstream, _ := sampling.ParseThreshold("8")
	t, _ := upstream.Compose(0.1)
	fmt.Println(t.Hex(), t.Probability(), t.AdjustedCount())
	// Output:
	// f3333 0.05000019073486328 19.999923706345726
}

// A stage rewrites only th; the other ot sub-keys and the vendor entries
// survive, and ot moves to the front.
func ExampleTraceState_SetThreshold() {
	ts, _ := sampling.ParseTraceState("vendor=x,ot=rv:0123456789abcd;zz:1")
	t, _ := sampling.ProbabilityToThreshold(0.25)
	ts.SetThreshold(t)
	fmt.Println(ts.String())
	// Output:
	// ot=th:c;rv:0123456789abcd;zz:1,vendor=x
}

func ExampleAdjustedCountOf() {
	fmt.Println(sampling.AdjustedCountOf(""))
	fmt.Println(sampling.AdjustedCountOf("vendor=x"))
	fmt.Println(sampling.AdjustedCountOf("vendor=x,ot=th:c"))
	fmt.Println(sampling.AdjustedCountOf("ot=th:xyz")) // invalid th: no probability recorded
	// Output:
	// 1
	// 1
	// 4
	// 1
}
