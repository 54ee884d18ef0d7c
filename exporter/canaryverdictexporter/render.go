package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"math"

	"github.com/canarytrace/canarytrace/internal/judge"
)

// render turns the judge's verdict into the HTTP contract's report and the
// step's chart values. It decides nothing: words and numbers are the judge's.
func render(v judge.ReleaseVerdict) (verdictReport, seriesPoint) {
	rep := verdictReport{
		Service: v.Release.Service,
		Version: v.Release.Version,
		Run:     v.Run,
		Verdict: v.Verdict.Release(),
		Score:   jsonFloat(v.Score),
		Reason:  v.Reason,
		Checks:  make([]checkReport, 0, len(v.Checks)),
	}
	point := seriesPoint{Values: make(map[checkKey]armEstimates, len(v.Checks))}
	for _, c := range v.Checks {
		cr := checkReport{
			Service:   v.Release.Service,
			Operation: c.Operation.Name,
			Kind:      c.Operation.Kind,
			Check:     c.Check,
			Verdict:   c.Verdict.String(),
			Canary:    jsonFloat(c.Canary),
			Stable:    jsonFloat(c.Stable),
			Interval:  [2]jsonFloat{jsonFloat(c.Interval[0]), jsonFloat(c.Interval[1])},
			Samples:   armSamples{Canary: c.Samples.Canary, Stable: c.Samples.Stable},
			Reason:    c.Reason,
			Exemplars: c.Exemplars,
		}
		if !c.Operation.IsRelease() {
			cr.Service = c.Operation.Service
		}
		if cr.Exemplars == nil {
			cr.Exemplars = []string{}
		}
		rep.Checks = append(rep.Checks, cr)
		point.Values[cr.key()] = estimates(c)
	}
	return rep, point
}

// estimates are a check's chart values. The judge's interval is of the
// tested contrast; for the error rate that is canary minus stable, so
// stable + interval is the band the canary's rate lies in relative to the
// stable estimate, drawn around the canary line. For latency quantiles the
// judge gives each arm's own pointwise band in seconds.
func estimates(c judge.CheckResult) armEstimates {
	nan := math.NaN()
	e := armEstimates{Canary: c.Canary, Stable: c.Stable, CanaryLo: nan, CanaryHi: nan, StableLo: nan, StableHi: nan}
	switch {
	case c.Check == judge.CheckErrorRate && c.Interval != [2]float64{}:
		e.CanaryLo = math.Max(0, c.Stable+c.Interval[0])
		e.CanaryHi = math.Min(1, c.Stable+c.Interval[1])
	case c.Check != judge.CheckErrorRate:
		if c.CanaryBand != [2]float64{} {
			e.CanaryLo, e.CanaryHi = c.CanaryBand[0], c.CanaryBand[1]
		}
		if c.StableBand != [2]float64{} {
			e.StableLo, e.StableHi = c.StableBand[0], c.StableBand[1]
		}
	}
	return e
}
