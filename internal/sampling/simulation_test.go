package sampling

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// randomTraceID draws a trace ID as a W3C-conformant generator would.
func randomTraceID(rng *rand.Rand) [16]byte {
	var id [16]byte
	binary.BigEndian.PutUint64(id[:8], rng.Uint64())
	binary.BigEndian.PutUint64(id[8:], rng.Uint64())
	return id
}

// The share of random trace IDs a threshold keeps is its probability.
// Seeds 1..20, 50,000 trace IDs each (1,000,000 per probability); the kept
// count must lie within 5 binomial standard deviations of n·p, a bound a
// correct sampler exceeds with probability below 6e-7 per check.
func TestKeptFractionMatchesProbability(t *testing.T) {
	const seeds, perSeed = 20, 50000
	for _, p := range []float64{1, 0.5, 1.0 / 3, 0.1, 0.01, 0.001} {
		th, err := ProbabilityToThreshold(p)
		require.NoError(t, err)
		kept := 0
		for seed := uint64(1); seed <= seeds; seed++ {
			rng := rand.New(rand.NewPCG(seed, 0))
			for range perSeed {
				if th.ShouldSample(RandomnessFromTraceID(randomTraceID(rng))) {
					kept++
				}
			}
		}
		n := float64(seeds * perSeed)
		q := th.Probability()
		bound := 5 * math.Sqrt(n*q*(1-q))
		require.InDelta(t, n*q, float64(kept), bound+1e-9, "p=%v th=%s", p, th.Hex())
	}
}

// A composed threshold keeps a subset of what the upstream one kept, and the
// share p of it: seeds 1..20, 50,000 trace IDs each, 5σ binomial bound on
// the count kept downstream among those kept upstream. The sum of adjusted
// counts of the kept spans estimates the number of spans offered.
func TestComposeKeepsSubsetWithShareP(t *testing.T) {
	const seeds, perSeed = 20, 50000
	upstream, err := ProbabilityToThreshold(0.5)
	require.NoError(t, err)
	for _, p := range []float64{0.5, 0.2, 0.01} {
		down, err := upstream.Compose(p)
		require.NoError(t, err)
		up, kept := 0, 0
		weight := 0.0
		for seed := uint64(1); seed <= seeds; seed++ {
			rng := rand.New(rand.NewPCG(seed, 1))
			for range perSeed {
				r := RandomnessFromTraceID(randomTraceID(rng))
				if down.ShouldSample(r) {
					require.True(t, upstream.ShouldSample(r), "downstream kept what upstream dropped")
					kept++
					weight += down.AdjustedCount()
				}
				if upstream.ShouldSample(r) {
					up++
				}
			}
		}
		q := down.Probability() / upstream.Probability()
		bound := 5 * math.Sqrt(float64(up)*q*(1-q))
		require.InDelta(t, float64(up)*q, float64(kept), bound, "p=%v", p)
		// Horvitz–Thompson total: its standard deviation is sqrt(n(1-π)/π).
		n := float64(seeds * perSeed)
		pi := down.Probability()
		require.InDelta(t, n, weight, 5*math.Sqrt(n*(1-pi)/pi), "p=%v", p)
	}
}
