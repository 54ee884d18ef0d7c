package traffic

import (
	"fmt"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// sigmas is the tolerance of every statistical check in this package: a
// count must lie within 4 binomial standard deviations (plus one, for
// discreteness) of its expectation. Under the model a check fails by chance
// with probability about 6e-5; the seeds are fixed, so each run is exactly
// repeatable.
const sigmas = 4

func withinBinomial(t *testing.T, what string, k, n int, p float64) {
	t.Helper()
	mean := float64(n) * p
	tol := sigmas*math.Sqrt(mean*(1-p)) + 1
	if math.Abs(float64(k)-mean) > tol {
		t.Errorf("%s: %d of %d, expected %.1f ± %.1f (p=%g, %d sigma)", what, k, n, mean, tol, p, sigmas)
	}
}

type opKey struct{ service, op, stage string }

// observed holds, per operation and behaviour stage, the spans of that
// operation (not the callers' client spans), their failures and self times.
type observed struct {
	n, failed int
	self      []time.Duration
}

// behaviourStage is the stage a span's operation ran as: the pod's for the
// release, the caller's (baggage) for everyone else.
func behaviourStage(r row, release string) string {
	if r.service == release {
		return r.resStage
	}
	if r.attrStage == StageCanary {
		return StageCanary
	}
	return StageStable
}

func observe(rows []row, release string) map[opKey]*observed {
	childTime := map[[8]byte]time.Duration{}
	for _, r := range rows {
		if !r.parent.IsEmpty() {
			childTime[r.parent] += r.duration()
		}
	}
	m := map[opKey]*observed{}
	for _, r := range rows {
		if r.kind == ptrace.SpanKindClient || r.kind == ptrace.SpanKindProducer {
			continue
		}
		k := opKey{r.service, r.name, behaviourStage(r, release)}
		o := m[k]
		if o == nil {
			o = &observed{}
			m[k] = o
		}
		o.n++
		if r.failed {
			o.failed++
		}
		o.self = append(o.self, r.duration()-childTime[r.span])
	}
	return m
}

// checkMatchesScenario compares generated spans with the scenario: the
// canary share of requests, and per operation and stage the error rate and
// the distribution of self times at the model's median and p99.
func checkMatchesScenario(t *testing.T, sc *Scenario, rows []row, sum Summary) {
	t.Helper()
	release := ""
	for _, s := range sc.Services {
		if s.CanaryVersion != "" {
			release = s.Name
		}
	}
	total := int(sum.Requests[StageCanary] + sum.Requests[StageStable])
	if len(sc.CanarySteps) == 0 {
		withinBinomial(t, "canary requests", int(sum.Requests[StageCanary]), total, sc.canaryShare(0))
	}
	obs := observe(rows, release)
	// Pooled over every operation and stage the error count is a sum of
	// independent binomials: a check with far more power against an error
	// model that is off everywhere by the same factor.
	var pooledMean, pooledVar float64
	pooledFailed := 0
	defer func() {
		tol := sigmas*math.Sqrt(pooledVar) + 1
		if math.Abs(float64(pooledFailed)-pooledMean) > tol {
			t.Errorf("errors over all operations: %d, expected %.1f ± %.1f", pooledFailed, pooledMean, tol)
		}
	}()
	for _, s := range sc.Services {
		for i := range s.Operations {
			op := &s.Operations[i]
			for _, st := range []struct {
				stage string
				over  *Behavior
			}{{StageStable, op.Stable}, {StageCanary, op.Canary}} {
				o := obs[opKey{s.Name, op.Name, st.stage}]
				if o == nil {
					continue // e.g. no canary traffic reached it
				}
				b := op.resolve(st.over)
				what := fmt.Sprintf("%s %q %s", s.Name, op.Name, st.stage)
				p := 0.0
				if b.ErrorRate != nil {
					p = *b.ErrorRate
				}
				withinBinomial(t, what+" errors", o.failed, o.n, p)
				pooledMean += float64(o.n) * p
				pooledVar += float64(o.n) * p * (1 - p)
				pooledFailed += o.failed
				m := newLatencyModel(b.Latency)
				points := []time.Duration{m.body.quantile(0.5), m.body.quantile(0.99)}
				if m.slowShare > 0 {
					points = append(points, m.slow.quantile(0.5))
				}
				for _, x := range points {
					below := 0
					for _, d := range o.self {
						if d <= x {
							below++
						}
					}
					withinBinomial(t, fmt.Sprintf("%s self time <= %v", what, x), below, len(o.self), m.cdf(x))
				}
			}
		}
	}
}

// TestOutputMatchesEveryScenario runs each repository scenario for 30
// simulated seconds (about 6,000 requests, seed 1) and checks its canary
// share, error rates and latency distributions per operation and stage.
func TestOutputMatchesEveryScenario(t *testing.T) {
	for _, name := range []string{"aa.yaml", "error-regression.yaml", "latency-regression.yaml", "downstream-regression.yaml", "low-traffic.yaml", "ramp.yaml"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sc := loadScenario(t, name)
			sc.Duration = 30 * time.Second
			rows, sum := generate(t, sc, 1)
			checkMatchesScenario(t, sc, rows, sum)
		})
	}
}

// TestRegressionsAreMeasurable gives the canary half of the traffic so that
// each regression is seen on thousands of canary calls (10 simulated seconds at 1000 requests per second), over three seeds, and
// checks the generated rates against the scenario with the same 4-sigma
// bounds: the downstream failures appear only on canary-called spans. Two
// seeds, 1 and 2.
func TestRegressionsAreMeasurable(t *testing.T) {
	for _, name := range []string{"error-regression.yaml", "downstream-regression.yaml", "latency-regression.yaml"} {
		for seed := uint64(1); seed <= 2; seed++ {
			t.Run(fmt.Sprintf("%s/seed=%d", name, seed), func(t *testing.T) {
				t.Parallel()
				sc := loadScenario(t, name)
				sc.Duration = 10 * time.Second
				sc.Rate = 1000
				sc.CanaryShare = ptr(0.5)
				rows, sum := generate(t, sc, seed)
				checkMatchesScenario(t, sc, rows, sum)
			})
		}
	}
}
