package confseq

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMixtureZSolvesTheMixture(t *testing.T) {
	for _, x := range []float64{0.01, 1, 10, 1e4} {
		for _, a := range []float64{0.05, 1e-3, 1e-6} {
			z := MixtureZ(x, a)
			m := 2 / math.Sqrt(1+x) * math.Exp(z*z/2) * 0.5 * math.Erfc(-z/math.Sqrt2)
			assert.InDelta(t, 1/a, m, 1e-6/a, "x=%v alpha=%v", x, a)
		}
	}
}

func TestRadiusIsInfiniteWithoutEvidence(t *testing.T) {
	b := New(0.05, 1000)
	assert.True(t, math.IsInf(b.Radius(0, 10), 1))
	assert.True(t, math.IsInf(b.Radius(1, 0), 1))
	assert.True(t, math.IsInf(b.Radius(math.Inf(1), 10), 1))
}

// TestBoundaryHoldsUnderContinuousMonitoring checks the time-uniform
// guarantee on a Gaussian random walk looked at after every step. Seed 1, 2,000 walks, alpha 0.05: the share of walks that ever cross
// must be at most alpha (the measured share is about 0.02, the mixture being
// conservative for a discrete walk).
func TestBoundaryHoldsUnderContinuousMonitoring(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 0))
	const walks, steps, alpha = 1000, 5000, 0.05
	b := New(alpha, 1000)
	crossed := 0
	for w := 0; w < walks; w++ {
		s := 0.0
		for k := 1; k <= steps; k++ {
			s += rng.NormFloat64()
			if s >= b.Radius(float64(k), float64(k)) {
				crossed++
				break
			}
		}
	}
	share := float64(crossed) / walks
	t.Logf("seed 1, %d walks x %d looks: crossing share %.4f (bound %.2f)", walks, steps, share, alpha)
	assert.LessOrEqual(t, share, alpha)
}

func TestBoundaryIsTightestNearTuning(t *testing.T) {
	// Normalised by sqrt(v), the boundary is smallest near the tuned size.
	b := New(0.01, 1000)
	norm := func(n float64) float64 { return b.Radius(n, n) / math.Sqrt(n) }
	assert.Less(t, norm(1000), norm(100))
	assert.Less(t, norm(1000), norm(100000))
}

func ExampleBoundary_Radius() {
	// A contrast whose per-sample variance is 0.01 (a 1% rate), judged after
	// 500, 2,000 and 20,000 effective samples, tuned for 2,000, at level
	// 0.001: the radius in z units (radius/sqrt(v)) is smallest at 2,000.
	b := New(0.001, 2000)
	for _, n := range []float64{500, 2000, 20000} {
		v := 0.01 * n
		fmt.Printf("n=%5.0f radius %.2f (z %.2f)\n", n, b.Radius(v, n), b.Radius(v, n)/math.Sqrt(v))
	}
	// Output:
	// n=  500 radius 9.35 (z 4.18)
	// n= 2000 radius 18.01 (z 4.03)
	// n=20000 radius 59.41 (z 4.20)
}

func BenchmarkRadius(b *testing.B) {
	bd := New(0.001, 2000)
	for i := 0; b.Loop(); i++ {
		n := float64(i%5000 + 1)
		bd.Radius(0.01*n, n)
	}
}
