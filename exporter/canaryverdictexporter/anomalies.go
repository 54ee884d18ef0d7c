package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import "time"

// diffChecks lists what changed between a run's previous report and the new
// one: the release's verdict, and every check whose verdict changed (a
// check seen for the first time counts as a change from "inconclusive", so
// a check that fails at once is a breach in the feed).
func diffChecks(prev, next *verdictReport, at time.Time) []anomaly {
	var feed []anomaly
	prevVerdict := verdictInconclusive
	before := map[checkKey]string{}
	if prev != nil {
		prevVerdict = prev.Verdict
		for _, c := range prev.Checks {
			before[c.key()] = c.Verdict
		}
	}
	if next.Verdict != prevVerdict {
		feed = append(feed, anomaly{
			Time: at, Kind: anomalyVerdict, Service: next.Service,
			From: prevVerdict, To: next.Verdict, Reason: next.Reason, Exemplars: []string{},
		})
	}
	for _, c := range next.Checks {
		from, ok := before[c.key()]
		if !ok {
			from = checkInconclusive
		}
		if from == c.Verdict {
			continue
		}
		kind := anomalyState
		if c.Verdict == checkFail {
			kind = anomalyBreach
		}
		ex := c.Exemplars
		if ex == nil {
			ex = []string{}
		}
		feed = append(feed, anomaly{
			Time: at, Kind: kind, Service: c.Service, Operation: c.Operation, Check: c.Check,
			From: from, To: c.Verdict, Reason: c.Reason, Exemplars: ex,
		})
	}
	return feed
}
