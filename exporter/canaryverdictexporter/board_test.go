package canaryverdictexporter

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBoardUnknownServiceIsNoData(t *testing.T) {
	b := newBoard(5, 0, nil)
	got := b.verdict("cart", "2.0")
	assert.Equal(t, verdictInconclusive, got.Verdict)
	assert.Equal(t, reasonNoData, got.Reason)
	assert.Equal(t, "cart", got.Service)
	assert.Equal(t, "2.0", got.Version)
	assert.Empty(t, got.Run)
}

func TestBoardVersionScopesTheAnswer(t *testing.T) {
	b := newBoard(5, 0, nil)
	b.record(report("checkout", "1.1", "checkout@1.1@10", verdictRollback), t0, seriesPoint{})
	b.record(report("checkout", "1.2", "checkout@1.2@20", verdictPromote), t0.Add(time.Minute), seriesPoint{})

	assert.Equal(t, verdictPromote, b.verdict("checkout", "").Verdict)
	assert.Equal(t, verdictRollback, b.verdict("checkout", "1.1").Verdict)
	unknown := b.verdict("checkout", "9.9")
	assert.Equal(t, reasonNoData, unknown.Reason)
	assert.Equal(t, verdictInconclusive, unknown.Verdict)
}

func TestBoardNewVersionEndsThePreviousRun(t *testing.T) {
	b := newBoard(5, 0, nil)
	b.record(report("checkout", "1.1", "checkout@1.1@10", verdictInconclusive), t0, seriesPoint{})
	b.record(report("checkout", "1.1", "checkout@1.1@10", verdictRollback), t0.Add(10*time.Second), seriesPoint{})
	b.record(report("checkout", "1.2", "checkout@1.2@20", verdictInconclusive), t0.Add(time.Minute), seriesPoint{})

	runs := b.runs("checkout")
	require.Len(t, runs, 2)
	assert.Equal(t, "checkout@1.2@20", runs[0].Run)
	assert.Nil(t, runs[0].End)
	old := runs[1]
	require.NotNil(t, old.End)
	assert.Equal(t, t0.Add(time.Minute), *old.End)
	assert.Equal(t, verdictRollback, old.Verdict)
	assert.Equal(t, []verdictChange{
		{Time: t0, Verdict: verdictInconclusive, Reason: "inconclusive reason"},
		{Time: t0.Add(10 * time.Second), Verdict: verdictRollback, Reason: "rollback reason"},
	}, old.Changes)
}

func TestBoardRunIDMovingEarlierIsTheSameRun(t *testing.T) {
	b := newBoard(5, 0, nil)
	b.record(report("checkout", "1.2", "checkout@1.2@20", verdictInconclusive), t0, seriesPoint{CanaryShare: 0.1})
	// A lagging instance reports an earlier first canary step.
	b.record(report("checkout", "1.2", "checkout@1.2@18", verdictInconclusive), t0.Add(10*time.Second), seriesPoint{CanaryShare: 0.2})

	runs := b.runs("checkout")
	require.Len(t, runs, 1)
	assert.Equal(t, "checkout@1.2@18", runs[0].Run)
	s := b.series("checkout", "")
	assert.Equal(t, []jsonFloat{0.1, 0.2}, s.CanaryShare)
}

func TestBoardFeedRecordsBreachesAndVerdictChanges(t *testing.T) {
	b := newBoard(5, 0, nil)
	b.record(report("checkout", "1.2", "r", verdictInconclusive, check("", "error_rate", checkInconclusive, 0.01, 0.01)), t0, seriesPoint{})
	failing := check("GET /cart", "latency_p99", checkFail, 0.3, 0.05)
	failing.Exemplars = []string{"0af7651916cd43dd8448eb211c80319c"}
	b.record(report("checkout", "1.2", "r", verdictRollback, check("", "error_rate", checkInconclusive, 0.01, 0.01), failing), t0.Add(10*time.Second), seriesPoint{})

	feed := b.runs("checkout")[0].Anomalies
	require.Len(t, feed, 2)
	assert.Equal(t, anomaly{Time: t0.Add(10 * time.Second), Kind: anomalyVerdict, Service: "checkout", From: verdictInconclusive, To: verdictRollback, Reason: "rollback reason", Exemplars: []string{}}, feed[0])
	assert.Equal(t, anomaly{Time: t0.Add(10 * time.Second), Kind: anomalyBreach, Service: "checkout", Operation: "GET /cart", Check: "latency_p99",
		From: checkInconclusive, To: checkFail, Reason: "latency_p99 fail", Exemplars: []string{"0af7651916cd43dd8448eb211c80319c"}}, feed[1])
}

func TestBoardPersistsTheLatestReport(t *testing.T) {
	b := newBoard(5, 0, nil)
	b.record(report("checkout", "1.2", "r", verdictInconclusive), t0, seriesPoint{})
	rec := b.record(report("checkout", "1.2", "r", verdictPromote, check("", "error_rate", checkPass, 0.01, 0.01)), t0.Add(10*time.Second), seriesPoint{})
	require.NotNil(t, rec)
	var saved serviceRecord
	require.NoError(t, json.Unmarshal(rec, &saved))
	require.Len(t, saved.Runs, 1)
	assert.Equal(t, verdictPromote, saved.Runs[0].Verdict)
	require.NotNil(t, saved.Runs[0].Last)
	assert.Len(t, saved.Runs[0].Last.Checks, 1)
	assert.Len(t, saved.Runs[0].Changes, 2)
}

func TestBoardMaxRunsDropsOldestAndCounts(t *testing.T) {
	dropped := map[string]int{}
	b := newBoard(2, 0, func(r string, n int) { dropped[r] += n })
	for i, v := range []string{"1", "2", "3"} {
		b.record(report("checkout", v, "checkout@"+v, verdictPromote), t0.Add(time.Duration(i)*time.Minute), seriesPoint{})
	}
	runs := b.runs("checkout")
	require.Len(t, runs, 2)
	assert.Equal(t, "3", runs[0].Version)
	assert.Equal(t, "2", runs[1].Version)
	assert.Equal(t, map[string]int{"runs": 1}, dropped)
}

func TestBoardRetentionDropsEndedRuns(t *testing.T) {
	b := newBoard(10, time.Hour, nil)
	b.record(report("checkout", "1", "checkout@1", verdictPromote), t0, seriesPoint{})
	b.record(report("checkout", "2", "checkout@2", verdictPromote), t0.Add(time.Minute), seriesPoint{})
	b.record(report("checkout", "3", "checkout@3", verdictPromote), t0.Add(2*time.Hour), seriesPoint{})
	runs := b.runs("checkout")
	require.Len(t, runs, 2, "run 1 ended at t0+1m, more than 1h before t0+2h")
	assert.Equal(t, "3", runs[0].Version)
	assert.Equal(t, "2", runs[1].Version)
}

func TestBoardHoldStopsPromotionButNotRollback(t *testing.T) {
	b := newBoard(5, 0, nil)
	b.record(report("checkout", "1.2", "r", verdictPromote), t0, seriesPoint{})
	b.override("checkout", overrideRequest{Action: overrideHold, Reason: "freeze"}, "alice", t0)

	got := b.verdict("checkout", "")
	assert.Equal(t, verdictInconclusive, got.Verdict)
	assert.Equal(t, "held by operator: freeze", got.Reason)
	require.NotNil(t, got.Override)
	assert.Equal(t, "alice", got.Override.By)

	b.record(report("checkout", "1.2", "r", verdictRollback), t0.Add(time.Minute), seriesPoint{})
	assert.Equal(t, verdictRollback, b.verdict("checkout", "").Verdict, "a hold does not hide a failure")
}

func TestBoardOverrideIsForOneRun(t *testing.T) {
	b := newBoard(5, 0, nil)
	b.record(report("checkout", "1.2", "r1", verdictPromote), t0, seriesPoint{})
	b.override("checkout", overrideRequest{Action: overrideRollback, Reason: "bad"}, "alice", t0)
	assert.Equal(t, verdictRollback, b.verdict("checkout", "").Verdict)

	b.record(report("checkout", "1.3", "r2", verdictPromote), t0.Add(time.Hour), seriesPoint{})
	assert.Equal(t, verdictPromote, b.verdict("checkout", "").Verdict)
	assert.Equal(t, verdictRollback, b.verdict("checkout", "1.2").Verdict, "the old run keeps its override")
}

func TestBoardOverrideBeforeFirstRunAppliesToIt(t *testing.T) {
	b := newBoard(5, 0, nil)
	b.override("checkout", overrideRequest{Action: overrideHold, Reason: "not yet"}, "bob", t0)
	b.record(report("checkout", "1.2", "r1", verdictPromote), t0.Add(time.Minute), seriesPoint{})
	got := b.verdict("checkout", "")
	assert.Equal(t, verdictInconclusive, got.Verdict)
	runs := b.runs("checkout")
	require.Len(t, runs, 1)
	require.Len(t, runs[0].Actions, 1)
	assert.Equal(t, "bob", runs[0].Actions[0].By)
}

func TestSeriesKeepsColumnsAligned(t *testing.T) {
	s := newRunSeries()
	k1 := checkKey{Service: "checkout", Check: "error_rate"}
	k2 := checkKey{Service: "checkout", Operation: "GET /cart", Check: "latency_p99"}
	s.add(seriesPoint{Time: t0, CanaryShare: 0.05, Values: map[checkKey]armEstimates{k1: {Canary: 1, Stable: 2}}})
	s.add(seriesPoint{Time: t0.Add(time.Second), CanaryShare: 0.06, Values: map[checkKey]armEstimates{k2: {Canary: 3, Stable: 4}}})
	r := s.report("checkout", "1.2", "r")
	require.Len(t, r.Checks, 2)
	assert.Equal(t, "error_rate", r.Checks[0].Check, "release-level checks first")
	assert.Len(t, r.Checks[0].Canary, 2)
	assert.Len(t, r.Checks[1].Canary, 2)
	b, err := json.Marshal(r.Checks[1].Canary)
	require.NoError(t, err)
	assert.JSONEq(t, `[null, 3]`, string(b))
}

func TestSeriesIsBounded(t *testing.T) {
	s := newRunSeries()
	dropped := 0
	for i := range maxSeriesPoints + 5 {
		dropped += s.add(seriesPoint{Time: t0.Add(time.Duration(i) * time.Second)})
	}
	assert.Equal(t, 5, dropped)
	assert.Len(t, s.Times, maxSeriesPoints)
	assert.Equal(t, t0.Add(5*time.Second), s.Times[0])
}

func TestBoardKeepsARestoredRollbackFinal(t *testing.T) {
	b := newBoard(5, 0, nil)
	rec := b.record(report("checkout", "1.2", "r", verdictRollback), t0, seriesPoint{})
	var saved serviceRecord
	require.NoError(t, json.Unmarshal(rec, &saved))

	restarted := newBoard(5, 0, nil)
	restarted.restore([]serviceRecord{saved})
	// The judge restarted with no memory of the run and says inconclusive.
	restarted.record(report("checkout", "1.2", "r", verdictInconclusive), t0.Add(time.Minute), seriesPoint{})
	got := restarted.verdict("checkout", "")
	assert.Equal(t, verdictRollback, got.Verdict)
	assert.Equal(t, "rollback reason", got.Reason)
}
