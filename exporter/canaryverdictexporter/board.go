package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"encoding/json"
	"sort"
	"sync"
	"time"
)

// board is the read model every route answers from: per service its runs
// (the current one last), the latest judged report of each, the run's
// charts, the operator's override and criteria. The judging loop writes it
// once per judged step; HTTP handlers only read it (operator routes aside).
type board struct {
	mu       sync.RWMutex
	services map[string]*serviceBoard

	maxRuns   int
	retention time.Duration
	// dropped counts what a bound pushed out, by reason (telemetry).
	dropped func(reason string, n int)
}

type serviceBoard struct {
	rec    serviceRecord
	series map[string]*runSeries // by run id; in memory only
}

func newBoard(maxRuns int, retention time.Duration, dropped func(string, int)) *board {
	if dropped == nil {
		dropped = func(string, int) {}
	}
	return &board{services: map[string]*serviceBoard{}, maxRuns: maxRuns, retention: retention, dropped: dropped}
}

// restore loads persisted service records (on start, before any record).
func (b *board) restore(recs []serviceRecord) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range recs {
		b.services[r.Service] = &serviceBoard{rec: r, series: map[string]*runSeries{}}
	}
}

func (b *board) service(name string) *serviceBoard {
	s, ok := b.services[name]
	if !ok {
		s = &serviceBoard{rec: serviceRecord{Service: name}, series: map[string]*runSeries{}}
		b.services[name] = s
	}
	return s
}

// record stores the report the judge gave for a release at a step, with
// the step's chart point, and returns the service's record to persist: the
// run's latest report is part of it, so after a restart the exporter shows
// what it last judged (one small write per service and step).
func (b *board) record(rep verdictReport, at time.Time, p seriesPoint) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.service(rep.Service)
	run, started := s.runFor(rep, at)
	if run.Last != nil && run.Last.Verdict == verdictRollback && rep.Verdict != verdictRollback {
		// A rollback is final for the run. The judge keeps that in memory;
		// after a restart it starts afresh, so the history keeps it too.
		rep.Verdict, rep.Reason = verdictRollback, run.Last.Reason
	}
	if run.Last == nil || run.Last.Verdict != rep.Verdict {
		run.Changes = append(run.Changes, verdictChange{Time: at, Verdict: rep.Verdict, Reason: rep.Reason})
	}
	if feed := diffChecks(run.Last, &rep, at); len(feed) > 0 {
		run.Anomalies = append(run.Anomalies, feed...)
		if over := len(run.Anomalies) - maxAnomaliesPerRun; over > 0 {
			run.Anomalies = append([]anomaly(nil), run.Anomalies[over:]...)
			b.dropped("anomalies", over)
		}
	}
	rep.Since = &run.Changes[len(run.Changes)-1].Time
	stepTime := at
	rep.Step = &stepTime
	run.Last = &rep
	run.Verdict = rep.Verdict
	series, ok := s.series[run.Run]
	if !ok {
		series = newRunSeries()
		s.series[run.Run] = series
	}
	p.Time = at
	if n := series.add(p); n > 0 {
		b.dropped("series", n)
	}
	if started {
		b.trim(s, at)
	}
	return s.persisted()
}

// endRun marks a run ended (its last verdict final) and returns the
// service's record to persist.
func (b *board) endRun(service, run string, at time.Time) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.service(service)
	for _, r := range s.rec.Runs {
		if r.Run == run && r.End == nil {
			end := at
			r.End = &end
		}
	}
	return s.persisted()
}

// runFor returns the run a report belongs to, starting a new one (and
// ending the current) when the report's run id is new.
func (s *serviceBoard) runFor(rep verdictReport, at time.Time) (*runRecord, bool) {
	for i := len(s.rec.Runs) - 1; i >= 0; i-- {
		if s.rec.Runs[i].Run == rep.Run {
			return s.rec.Runs[i], false
		}
	}
	if cur := s.current(); cur != nil && cur.Run == "" {
		// Operator actions (and an override) taken before the first run wait
		// in a placeholder run; the first real run adopts them.
		cur.Run, cur.Version, cur.Start = rep.Run, rep.Version, at
		return cur, true
	}
	if cur := s.current(); cur != nil && cur.End == nil && cur.Version == rep.Version {
		// The run start is merged by minimum across instances, so a run's id
		// can move earlier when a lagging instance reports; it is the same run.
		if ser, ok := s.series[cur.Run]; ok {
			delete(s.series, cur.Run)
			s.series[rep.Run] = ser
		}
		cur.Run = rep.Run
		return cur, false
	}
	if cur := s.current(); cur != nil && cur.End == nil {
		end := at
		cur.End = &end
	}
	run := &runRecord{Run: rep.Run, Version: rep.Version, Start: at, Changes: []verdictChange{}, Actions: []operatorAction{}, Anomalies: []anomaly{}}
	s.rec.Runs = append(s.rec.Runs, run)
	return run, true
}

func (s *serviceBoard) current() *runRecord {
	if len(s.rec.Runs) == 0 {
		return nil
	}
	return s.rec.Runs[len(s.rec.Runs)-1]
}

// trim applies max_runs and retention to a service's ended runs.
func (b *board) trim(s *serviceBoard, now time.Time) {
	keep := s.rec.Runs[:0]
	dropped := 0
	for i, r := range s.rec.Runs {
		tooMany := len(s.rec.Runs)-i > b.maxRuns
		expired := b.retention > 0 && r.End != nil && now.Sub(*r.End) > b.retention
		if tooMany || expired {
			delete(s.series, r.Run)
			dropped++
			continue
		}
		keep = append(keep, r)
	}
	s.rec.Runs = keep
	if dropped > 0 {
		b.dropped("runs", dropped)
	}
}

func (s *serviceBoard) persisted() []byte {
	b, err := json.Marshal(&s.rec)
	if err != nil {
		return nil // not reachable: every field marshals
	}
	return b
}

// effective renders a run's last report with the service's override on top.
func (s *serviceBoard) effective(run *runRecord) verdictReport {
	rep := *run.Last
	rep.Checks = append([]checkReport(nil), run.Last.Checks...)
	if ov := run.Override; ov != nil {
		o := *ov
		rep.Override = &o
		switch {
		case ov.Action == overrideRollback:
			rep.Verdict = verdictRollback
			rep.Reason = "rolled back by operator: " + ov.Reason
		case ov.Action == overrideHold && rep.Verdict == verdictPromote:
			// A hold stops a promotion; it does not hide a failure.
			rep.Verdict = verdictInconclusive
			rep.Reason = "held by operator: " + ov.Reason
		}
	}
	return rep
}

// verdict answers GET /api/v1/verdicts/{service}[?version=]: the current
// run, or the latest run of that version; "no data" when none is known.
func (b *board) verdict(service, version string) verdictReport {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s, ok := b.services[service]
	if !ok {
		return noDataReport(service, version)
	}
	for i := len(s.rec.Runs) - 1; i >= 0; i-- {
		r := s.rec.Runs[i]
		if (version == "" || r.Version == version) && r.Last != nil {
			return s.effective(r)
		}
	}
	rep := noDataReport(service, version)
	if cur := s.current(); cur != nil && cur.Run == "" && cur.Override != nil && version == "" {
		// An operator rolled back a release before its first span: say so.
		o := *cur.Override
		rep.Override = &o
		if o.Action == overrideRollback {
			rep.Verdict, rep.Reason = verdictRollback, "rolled back by operator: "+o.Reason
		}
	}
	return rep
}

// all answers GET /api/v1/verdicts: each service's current run, by name.
func (b *board) all() []verdictReport {
	b.mu.RLock()
	names := make([]string, 0, len(b.services))
	for n := range b.services {
		names = append(names, n)
	}
	b.mu.RUnlock()
	sort.Strings(names)
	out := make([]verdictReport, 0, len(names))
	for _, n := range names {
		out = append(out, b.verdict(n, ""))
	}
	return out
}

// runs answers GET /api/v1/releases/{service}/history, newest first.
func (b *board) runs(service string) []runRecord {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s, ok := b.services[service]
	if !ok {
		return []runRecord{}
	}
	out := make([]runRecord, 0, len(s.rec.Runs))
	for i := len(s.rec.Runs) - 1; i >= 0; i-- {
		r := *s.rec.Runs[i]
		if r.Last != nil {
			eff := s.effective(s.rec.Runs[i])
			r.Last = &eff
		}
		out = append(out, r)
	}
	return out
}

// series answers GET /api/v1/releases/{service}/series[?version=].
func (b *board) series(service, version string) seriesReport {
	b.mu.RLock()
	defer b.mu.RUnlock()
	empty := seriesReport{Service: service, Version: version, Times: []time.Time{}, CanaryShare: []jsonFloat{}, Checks: []checkSeriesReport{}}
	s, ok := b.services[service]
	if !ok {
		return empty
	}
	for i := len(s.rec.Runs) - 1; i >= 0; i-- {
		r := s.rec.Runs[i]
		if version != "" && r.Version != version {
			continue
		}
		if ser, ok := s.series[r.Run]; ok {
			return ser.report(service, r.Version, r.Run)
		}
		empty.Version, empty.Run = r.Version, r.Run
		return empty
	}
	return empty
}
