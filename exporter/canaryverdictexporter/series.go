package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"math"
	"sort"
	"time"
)

// maxSeriesPoints bounds the points kept per run for the dashboard's
// charts: two hours at the connector's default 10s interval. Older points
// are dropped (counted in canary_verdict_history_dropped{reason="series"}).
const maxSeriesPoints = 720

// armEstimates is one check's estimates at one step, for each arm with its
// confidence bounds (NaN where the judge has none).
type armEstimates struct {
	Canary, CanaryLo, CanaryHi float64
	Stable, StableLo, StableHi float64
}

// seriesPoint is what one judged step adds to a run's charts.
type seriesPoint struct {
	Time time.Time
	// CanaryShare is the canary's share of the release's estimated calls in
	// the step (the traffic split).
	CanaryShare float64
	Values      map[checkKey]armEstimates
}

// runSeries holds a run's charts column-wise, every column aligned with
// Times (NaN where a check had no value at that step).
type runSeries struct {
	Times       []time.Time
	CanaryShare []float64
	Checks      map[checkKey]*checkSeries
}

type checkSeries struct {
	Canary, CanaryLo, CanaryHi []float64
	Stable, StableLo, StableHi []float64
}

func newRunSeries() *runSeries {
	return &runSeries{Checks: map[checkKey]*checkSeries{}}
}

// add appends a point and returns how many old points it dropped.
func (s *runSeries) add(p seriesPoint) int {
	n := len(s.Times)
	s.Times = append(s.Times, p.Time)
	s.CanaryShare = append(s.CanaryShare, p.CanaryShare)
	for k := range p.Values {
		if _, ok := s.Checks[k]; !ok {
			s.Checks[k] = newCheckSeries(n)
		}
	}
	for k, c := range s.Checks {
		v, ok := p.Values[k]
		if !ok {
			v = armEstimates{math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()}
		}
		c.append(v)
	}
	dropped := 0
	if over := len(s.Times) - maxSeriesPoints; over > 0 {
		s.Times = s.Times[over:]
		s.CanaryShare = s.CanaryShare[over:]
		for _, c := range s.Checks {
			c.trim(over)
		}
		dropped = over
	}
	return dropped
}

func newCheckSeries(missing int) *checkSeries {
	nan := func() []float64 {
		v := make([]float64, missing)
		for i := range v {
			v[i] = math.NaN()
		}
		return v
	}
	return &checkSeries{nan(), nan(), nan(), nan(), nan(), nan()}
}

func (c *checkSeries) append(v armEstimates) {
	c.Canary = append(c.Canary, v.Canary)
	c.CanaryLo = append(c.CanaryLo, v.CanaryLo)
	c.CanaryHi = append(c.CanaryHi, v.CanaryHi)
	c.Stable = append(c.Stable, v.Stable)
	c.StableLo = append(c.StableLo, v.StableLo)
	c.StableHi = append(c.StableHi, v.StableHi)
}

func (c *checkSeries) trim(n int) {
	c.Canary, c.CanaryLo, c.CanaryHi = c.Canary[n:], c.CanaryLo[n:], c.CanaryHi[n:]
	c.Stable, c.StableLo, c.StableHi = c.Stable[n:], c.StableLo[n:], c.StableHi[n:]
}

// seriesReport is the answer of GET /api/v1/releases/{service}/series.
type seriesReport struct {
	Service     string              `json:"service"`
	Version     string              `json:"version"`
	Run         string              `json:"run"`
	Times       []time.Time         `json:"times"`
	CanaryShare []jsonFloat         `json:"canary_share"`
	Checks      []checkSeriesReport `json:"checks"`
}

type checkSeriesReport struct {
	Service   string      `json:"service"`
	Operation string      `json:"operation"`
	Kind      string      `json:"kind,omitempty"`
	Check     string      `json:"check"`
	Canary    []jsonFloat `json:"canary"`
	CanaryLo  []jsonFloat `json:"canary_lo"`
	CanaryHi  []jsonFloat `json:"canary_hi"`
	Stable    []jsonFloat `json:"stable"`
	StableLo  []jsonFloat `json:"stable_lo"`
	StableHi  []jsonFloat `json:"stable_hi"`
}

// report copies the series out (the caller holds the board's lock).
func (s *runSeries) report(service, version, run string) seriesReport {
	r := seriesReport{
		Service: service, Version: version, Run: run,
		Times:       append([]time.Time{}, s.Times...),
		CanaryShare: floats(s.CanaryShare),
		Checks:      make([]checkSeriesReport, 0, len(s.Checks)),
	}
	for k, c := range s.Checks {
		r.Checks = append(r.Checks, checkSeriesReport{
			Service: k.Service, Operation: k.Operation, Kind: k.Kind, Check: k.Check,
			Canary: floats(c.Canary), CanaryLo: floats(c.CanaryLo), CanaryHi: floats(c.CanaryHi),
			Stable: floats(c.Stable), StableLo: floats(c.StableLo), StableHi: floats(c.StableHi),
		})
	}
	// Release-level checks first, then operations by name: a stable order
	// keeps the dashboard's panels from jumping between refreshes.
	sort.Slice(r.Checks, func(i, j int) bool {
		a, b := r.Checks[i], r.Checks[j]
		if (a.Operation == "") != (b.Operation == "") {
			return a.Operation == ""
		}
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Operation != b.Operation {
			return a.Operation < b.Operation
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Check < b.Check
	})
	return r
}

func floats(v []float64) []jsonFloat {
	out := make([]jsonFloat, len(v))
	for i, f := range v {
		out[i] = jsonFloat(f)
	}
	return out
}
