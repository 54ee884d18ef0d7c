package evidence

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestExemplarsDoNotDependOnArrivalOrder: the same observations, several
// spans per trace, in shuffled orders (seeds 1-20) keep the same exemplars,
// including when a trace already held later offers a slower span.
func TestExemplarsDoNotDependOnArrivalOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	var obs []Exemplar
	for tr := range 12 {
		for range 3 {
			obs = append(obs, Exemplar{TraceID: [16]byte{byte(tr)}, Step: Step(rng.IntN(5)),
				Duration: time.Duration(rng.IntN(1000)) * time.Millisecond, Error: rng.IntN(2) == 0})
		}
	}
	var want []Exemplar
	for seed := uint64(1); seed <= 20; seed++ {
		shuffled := slices.Clone(obs)
		rand.New(rand.NewPCG(seed, 0)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		var s exemplarSet
		for _, x := range shuffled {
			s.add(x)
		}
		if want == nil {
			want = s.list()
			continue
		}
		assert.Equal(t, want, s.list(), "seed %d", seed)
	}
}
