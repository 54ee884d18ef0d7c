package sampling

import "testing"

var sinkFloat float64

func BenchmarkAdjustedCountOf(b *testing.B) {
	for name, ts := range map[string]string{
		"empty":     "",
		"vendor":    "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
		"ot":        "ot=th:fd70a;rv:0123456789abcd",
		"vendor+ot": "congo=t61rcWkgMzE,ot=th:fd70a,rojo=00f067aa0ba902b7",
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkFloat += AdjustedCountOf(ts)
			}
		})
	}
}

var sinkString string

// BenchmarkDecide is the processor's path for one kept trace: read the
// incoming tracestate, compose the stage's probability with any upstream
// th, decide on the trace's randomness, and write the new th.
func BenchmarkDecide(b *testing.B) {
	id := [16]byte{8: 0xff, 9: 0xfe, 15: 1}
	for name, in := range map[string]string{
		"no-tracestate": "",
		"upstream-th":   "congo=t61rcWkgMzE,ot=th:8",
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ts, err := ParseTraceState(in)
				if err != nil {
					b.Fatal(err)
				}
				up, _ := ts.Threshold()
				th, _ := up.Compose(0.1)
				if th.ShouldSample(ts.RandomnessOf(id)) {
					ts.SetThreshold(th)
					sinkString = ts.String()
				}
			}
		})
	}
}

// BenchmarkShouldSample is the decision alone, for a threshold made once.
func BenchmarkShouldSample(b *testing.B) {
	th, _ := ProbabilityToThreshold(0.1)
	id := [16]byte{8: 0xff, 9: 0xfe, 15: 1}
	kept := 0
	for b.Loop() {
		if th.ShouldSample(RandomnessFromTraceID(id)) {
			kept++
		}
		id[15]++
	}
	sinkFloat += float64(kept)
}

// BenchmarkWithThreshold is the per-span rewrite of a kept span's
// tracestate.
func BenchmarkWithThreshold(b *testing.B) {
	th, _ := ProbabilityToThreshold(0.1)
	for name, in := range map[string]string{
		"empty":       "",
		"vendor":      "congo=t61rcWkgMzE",
		"upstream-th": "congo=t61rcWkgMzE,ot=th:8;rv:0123456789abcd",
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s, err := WithThreshold(in, th)
				if err != nil {
					b.Fatal(err)
				}
				sinkString = s
			}
		})
	}
}
