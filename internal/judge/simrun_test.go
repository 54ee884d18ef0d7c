package judge

import (
	"math/rand/v2"
	"testing"

	"github.com/canarytrace/canarytrace/internal/evidence"
)

func lat(median, sigma float64) latencyModel { return latencyModel{median: median, sigma: sigma} }

func op(service, name, kind string) evidence.Operation {
	return evidence.Operation{Service: service, Name: name, Kind: kind}
}

var checkout = evidence.Release{Service: "checkout", Version: "2.0.0"}

// tenOperations is the A/A traffic of issue 4: a checkout release whose
// requests touch ten operations, its own and downstream (inventory,
// payments), with different error rates, latencies and call multiplicities.
func tenOperations() scenario {
	ops := []simOp{
		{op: op("checkout", "POST /checkout", "server"), perReq: 1, errStable: 0.005, latStable: lat(0.080, 0.5)},
		{op: op("checkout", "cart.load", "internal"), perReq: 1, errStable: 0.001, latStable: lat(0.010, 0.4)},
		{op: op("checkout", "db:SELECT users", "client"), perReq: 1, errStable: 0.0005, latStable: lat(0.0156, 0.5)},
		{op: op("checkout", "db:UPDATE orders", "client"), perReq: 1, errStable: 0.001, latStable: lat(0.020, 0.6)},
		{op: op("checkout", "redis GET", "client"), perReq: 2, errStable: 0.0002, latStable: lat(0.001, 0.5)},
		{op: op("checkout", "pricing.quote", "client"), perReq: 1, errStable: 0.003, latStable: lat(0.030, 0.5)},
		{op: op("inventory", "GET /stock", "server"), perReq: 1, errStable: 0.002, latStable: lat(0.025, 0.5)},
		{op: op("inventory", "db:SELECT stock", "client"), perReq: 1, errStable: 0.001, latStable: lat(0.008, 0.5)},
		{op: op("payments", "POST /charge", "server"), perReq: 0.5, errStable: 0.004, latStable: lat(0.150, 0.6)},
		{op: op("payments", "fraud.score", "internal"), perReq: 0.5, errStable: 0.001, latStable: lat(0.040, 0.5)},
	}
	for i := range ops {
		ops[i].errCanary, ops[i].latCanary = ops[i].errStable, ops[i].latStable
	}
	return scenario{release: checkout, rps: 200, canaryShare: 0.05, interval: 10, ops: ops}
}

// outcome is what one judge concluded over one simulated run.
type outcome struct {
	rollbackAt int // step of the first rollback, -1 if none
	promoteAt  int // step of the first promote, -1 if none
	final      Verdict
	failed     map[checkID]int // first step each check failed
	// promotedEarly is set when a promote came while a release-level check
	// had fewer than min_samples in an arm.
	promotedEarly bool
	judge         *Judge
}

func newOutcome() outcome {
	return outcome{rollbackAt: -1, promoteAt: -1, failed: map[checkID]int{}}
}

func (o *outcome) record(step int, v ReleaseVerdict, c Criteria) {
	for _, ch := range v.Checks {
		if ch.Verdict == Fail {
			id := checkID{ch.Operation, ch.Check}
			if _, ok := o.failed[id]; !ok {
				o.failed[id] = step
			}
		}
	}
	if v.Verdict == Fail && o.rollbackAt < 0 {
		o.rollbackAt = step
	}
	if v.Verdict == Pass && o.promoteAt < 0 {
		o.promoteAt = step
		for _, ch := range v.Checks {
			if ch.Operation.IsRelease() && !enough(ch.Samples, c) {
				o.promotedEarly = true
			}
		}
	}
	o.final = v.Verdict
}

// simulate draws steps of the scenario with seed and judges them every
// step, beside the sampler (all spans: out[0]) and, if sampled, after it
// (stable 10%, canary 100%, errors kept: out[1]) on the same traffic.
func simulate(t testing.TB, s scenario, seed uint64, steps int, sampled bool, c Criteria) (out [2]outcome) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	ops := s.prepare()
	judges := [2]*Judge{}
	evs := [2]*evidence.Evidence{}
	for i := range judges {
		j, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		judges[i], evs[i] = j, evidence.New()
		out[i] = newOutcome()
		out[i].judge = j
	}
	smp := newSampler()
	perTraceRelease := int64(0)
	for _, o := range ops {
		perTraceRelease += o.perTrace()
	}
	add := func(ev *evidence.Evidence, k evidence.CellKey, c evidence.Cell) {
		if err := ev.AddCell(k, c); err != nil {
			t.Fatalf("simulated cell %+v refused: %v", k, err)
		}
	}
	var drawn stepCell
	for k := 0; k < steps; k++ {
		step := evidence.Step(k)
		type relKey struct {
			arm int
			th  uint64
		}
		rel := [2]map[relKey]*evidence.Cell{{}, {}}
		addRel := func(i, arm int, th uint64, calls, errors int64) {
			rk := relKey{arm, th}
			c, ok := rel[i][rk]
			if !ok {
				c = &evidence.Cell{}
				rel[i][rk] = c
			}
			add := cellOf(calls, errors, perTraceRelease, evidence.Histogram{})
			c.Merge(&add)
		}
		for oi := range ops {
			o := &ops[oi]
			for arm := 0; arm < 2; arm++ {
				share := s.canaryShare
				if arm == 1 {
					share = 1 - share
				}
				draw(rng, o, arm, s.rps*share*s.interval*o.perReqRate(), &drawn)
				key := evidence.CellKey{Release: s.release, Operation: o.op, Arm: armOf[arm], Step: step}
				add(evs[0], key, cellOf(drawn.calls, drawn.errors, o.perTrace(), drawn.hist))
				addRel(0, arm, 0, drawn.calls, drawn.errors)
				if !sampled {
					continue
				}
				if arm == 0 {
					add(evs[1], key, cellOf(drawn.calls, drawn.errors, o.perTrace(), drawn.hist))
					addRel(1, arm, 0, drawn.calls, drawn.errors)
					continue
				}
				errs, oks, okCalls := smp.thin(rng, &drawn)
				add(evs[1], key, cellOf(drawn.errors, drawn.errors, o.perTrace(), errs))
				key.Threshold = smp.th
				add(evs[1], key, cellOf(okCalls, 0, o.perTrace(), oks))
				addRel(1, arm, 0, drawn.errors, drawn.errors)
				addRel(1, arm, smp.th, okCalls, 0)
			}
		}
		n := 1
		if sampled {
			n = 2
		}
		for i := 0; i < n; i++ {
			for rk, c := range rel[i] {
				add(evs[i], evidence.CellKey{Release: s.release, Arm: armOf[rk.arm], Step: step, Threshold: rk.th}, *c)
			}
			if k == 0 {
				evs[i].AddRun(s.release, 0)
			}
			vs := judges[i].Judge(evs[i], step)
			if len(vs) != 1 {
				t.Fatalf("want one release verdict, got %d", len(vs))
			}
			out[i].record(k, vs[0], c)
			evs[i].DropBefore(step + 1)
		}
	}
	return out
}

func (o *simOp) perReqRate() float64 { return o.perReq }

// BenchmarkSimulatedRun is one 30-minute A/A run judged at every step,
// beside and after the sampler.
func BenchmarkSimulatedRun(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		simulate(b, tenOperations(), uint64(i), 180, true, DefaultCriteria())
	}
}
