package eventtime

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC) // a step boundary for 10s

func testConfig() Config {
	return Config{Interval: 10 * time.Second, AllowedLateness: 5 * time.Second, MaxFutureSkew: time.Minute, MaxSteps: 30}
}

func at(d time.Duration) time.Time { return t0.Add(d) }

func TestStepOfFloorsBeforeEpoch(t *testing.T) {
	assert.Equal(t, Step(-1), StepOf(time.Unix(0, -1), time.Second))
	assert.Equal(t, Step(0), StepOf(time.Unix(0, 0), time.Second))
	assert.Equal(t, Step(0), StepOf(time.Unix(0, 999_999_999), time.Second))
	assert.Equal(t, time.Unix(-1, 0).UTC(), Step(-1).Start(time.Second))
	assert.Equal(t, time.Unix(0, 0).UTC(), Step(-1).End(time.Second))
}

func TestSpanTimeStepReadyWhenWatermarkPassesItsEnd(t *testing.T) {
	w := New(testConfig(), nil)
	first := StepOf(t0, 10*time.Second)
	assert.Equal(t, Arrival{Step: first}, w.Observe(at(time.Second)))
	assert.Equal(t, Arrival{Step: first}, w.Observe(at(2*time.Second)))
	_, ok := w.Advance()
	assert.False(t, ok, "watermark 2s-5s is inside the first step")

	w.Observe(at(14 * time.Second)) // watermark 9s: first step not over
	_, ok = w.Advance()
	assert.False(t, ok)

	w.Observe(at(15 * time.Second)) // watermark 10s = end of the first step
	s, ok := w.Advance()
	require.True(t, ok)
	assert.Equal(t, Steps{First: first, Last: first}, s)

	a := w.Observe(at(9 * time.Second))
	assert.True(t, a.Late, "its step has been evaluated")
	assert.False(t, w.Observe(at(11*time.Second)).Late, "within allowed lateness")
}

func TestSpanTimeWildFutureTimestampDoesNotWedge(t *testing.T) {
	w := New(testConfig(), nil)
	w.Observe(at(0))
	w.Observe(at(time.Second))
	year2100 := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	a2100 := w.Observe(year2100)
	assert.Equal(t, 0, a2100.Ignored, "unconfirmed, not yet known to be wild")
	assert.True(t, a2100.Ahead)
	assert.Equal(t, StepOf(at(time.Second), 10*time.Second), a2100.Step, "parked at the old timeline's end")
	a := w.Observe(at(20 * time.Second))
	assert.False(t, a.Late)
	assert.Equal(t, 1, a.Ignored, "the old timeline continued: 2100 was wild")
	s, ok := w.Advance()
	require.True(t, ok)
	assert.Equal(t, StepOf(at(0), 10*time.Second), s.First)
	assert.Equal(t, StepOf(at(0), 10*time.Second), s.Last, "watermark at 15s, not 2100")
	// Two disagreeing jumps: the second discards the first.
	assert.Zero(t, w.Observe(year2100).Ignored)
	assert.Equal(t, 1, w.Observe(year2100.Add(time.Hour)).Ignored)
}

func TestSpanTimeGapConfirmedBySecondSpan(t *testing.T) {
	w := New(testConfig(), nil)
	w.Observe(at(0))
	w.Observe(at(time.Second))
	w.Observe(at(time.Hour))
	_, ok := w.Advance()
	assert.False(t, ok, "one span an hour ahead is not believed yet")
	w.Observe(at(time.Hour + time.Second))
	s, ok := w.Advance()
	require.True(t, ok)
	assert.Equal(t, StepOf(at(time.Hour-5*time.Second), 10*time.Second)-1, s.Last)
	assert.Equal(t, int64(30), s.Len(), "bounded by MaxSteps")
	assert.Equal(t, int64(359-30), s.Skipped)
}

func TestSpanTimeWildPastFirstSpanDoesNotFlood(t *testing.T) {
	w := New(testConfig(), nil)
	w.Observe(time.Unix(1, 0))
	assert.Equal(t, 1, w.Observe(at(0)).Ignored, "1970 never confirmed")
	w.Observe(at(time.Second))
	w.Observe(at(time.Minute))
	s, ok := w.Advance()
	require.True(t, ok)
	assert.Equal(t, StepOf(at(0), 10*time.Second), s.First)
	assert.Zero(t, s.Skipped)
}

func TestLiveWallClockAdvancesWithoutSpans(t *testing.T) {
	now := at(time.Second)
	w := New(testConfig(), func() time.Time { return now })
	_, ok := w.Advance()
	assert.False(t, ok, "nothing seen, nothing to judge")
	w.Observe(at(time.Second))
	now = at(26 * time.Second) // no span for 25s: span time 26s, watermark 21s
	s, ok := w.Advance()
	require.True(t, ok)
	first := StepOf(at(-4*time.Second), 10*time.Second) // the first span minus the lateness
	assert.Equal(t, Steps{First: first, Last: first + 2}, s)
}

func TestLiveReplayOfThePastIsJudgedInOrderNotLate(t *testing.T) {
	now := at(10 * time.Minute)
	w := New(testConfig(), func() time.Time { return now })
	// Ten minutes back: within the default backlog of an hour.
	for d := time.Duration(0); d < 10*time.Minute; d += time.Second {
		a := w.Observe(at(d))
		require.False(t, a.Late, "span at %s", d)
		if d%(10*time.Second) == 0 {
			w.Advance()
		}
	}
	s, ok := w.Advance()
	require.True(t, ok)
	assert.Equal(t, StepOf(at(10*time.Minute-16*time.Second), 10*time.Second), s.Last, "watermark 9m54s: the step ending 9m50s is the last ready")
	assert.True(t, w.Observe(at(time.Minute)).Late, "a span of a judged step is late")
}

func TestLiveWildOldFirstSpanOpensNoHistory(t *testing.T) {
	now := t0
	w := New(testConfig(), func() time.Time { return now })
	assert.True(t, w.Observe(time.Unix(1, 0)).Late, "older than the backlog bound")
	next, ok := w.Next()
	require.True(t, ok)
	assert.Equal(t, StepOf(at(-5*time.Second), 10*time.Second), next, "evaluation starts at the wall clock's watermark")
}

func TestLiveFutureSkewIgnoredAndPastLate(t *testing.T) {
	now := t0
	w := New(testConfig(), func() time.Time { return now })
	ahead := w.Observe(at(2 * time.Minute))
	assert.Equal(t, Arrival{Step: StepOf(t0, 10*time.Second), Ahead: true, Ignored: 1}, ahead, "counted at the wall clock's step")
	a := w.Observe(time.Unix(1, 0))
	assert.True(t, a.Late)
	assert.Zero(t, a.Ignored)
	now = at(15 * time.Second)
	_, ok := w.Advance()
	assert.False(t, ok, "a 1970 span alone moves nothing")
	w.Observe(at(15 * time.Second))
	s, ok := w.Advance()
	require.True(t, ok)
	assert.LessOrEqual(t, s.Len(), int64(testConfig().MaxSteps), "the 1970 span did not flood")
	assert.Equal(t, StepOf(at(0), 10*time.Second), s.Last)
}

func TestFlushEvaluatesTheLastStep(t *testing.T) {
	w := New(testConfig(), nil)
	w.Observe(at(time.Second))
	w.Observe(at(12 * time.Second))
	s, ok := w.Flush()
	require.True(t, ok)
	assert.Equal(t, Steps{First: StepOf(at(0), 10*time.Second), Last: StepOf(at(10*time.Second), 10*time.Second)}, s)
	_, ok = w.Flush()
	assert.False(t, ok)
}

func TestFlushBelievesALoneSpan(t *testing.T) {
	w := New(testConfig(), nil)
	w.Observe(at(time.Second))
	s, ok := w.Flush()
	require.True(t, ok)
	assert.Equal(t, StepOf(at(0), 10*time.Second), s.Last)
}

func TestValidate(t *testing.T) {
	ok := testConfig()
	assert.NoError(t, ok.Validate())
	bad := ok
	bad.Interval = 0
	assert.ErrorIs(t, bad.Validate(), ErrInterval)
	bad = ok
	bad.AllowedLateness = -1
	assert.ErrorIs(t, bad.Validate(), ErrLateness)
	bad = ok
	bad.MaxFutureSkew = 0
	assert.ErrorIs(t, bad.Validate(), ErrSkew)
	bad = ok
	bad.MaxSteps = 0
	assert.ErrorIs(t, bad.Validate(), ErrMaxSteps)
}

// A caller holding the wall clock's reading for a batch gets what reading
// it per span would give: the same arrivals, late, ahead and ignored, and
// the same steps to judge. In span time the reading is ignored.
func TestObserveAtAHeldReadingMatchesReadingTheClock(t *testing.T) {
	now := at(10 * time.Minute)
	clock := New(testConfig(), func() time.Time { return now })
	held := New(testConfig(), func() time.Time { return now })
	ends := []time.Duration{-20 * time.Minute, 5 * time.Minute, 9 * time.Minute, 13 * time.Minute, 9*time.Minute + 59*time.Second, time.Minute}
	for round := range 3 {
		for _, d := range ends {
			ns := at(d).UnixNano()
			require.Equal(t, clock.ObserveUnixNano(ns), held.ObserveUnixNanoAt(ns, now.UnixNano()), "round %d, end %s", round, d)
		}
		a, aok := clock.Advance()
		b, bok := held.Advance()
		require.Equal(t, aok, bok)
		require.Equal(t, a, b)
		now = now.Add(15 * time.Second)
	}

	spanTime, ignoring := New(testConfig(), nil), New(testConfig(), nil)
	for _, d := range ends {
		ns := at(d).UnixNano()
		require.Equal(t, spanTime.ObserveUnixNano(ns), ignoring.ObserveUnixNanoAt(ns, 42))
	}
}

// ObserveNewest must record exactly what the general path records, for
// the spans it serves, and refuse the others untouched.
func TestObserveNewestMatchesTheGeneralPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	now := at(10 * time.Minute)
	wall := func() time.Time { return now }
	fast, general := New(testConfig(), wall), New(testConfig(), wall)
	served, spans := 0, 0
	for batch := range 400 {
		nowNs := now.UnixNano()
		for range 50 {
			// Mostly the last few seconds; some late, some beyond the skew.
			d := -time.Duration(rng.Int64N(int64(8 * time.Second)))
			switch rng.IntN(20) {
			case 0:
				d = -time.Duration(rng.Int64N(int64(2 * time.Minute)))
			case 1:
				d = time.Duration(rng.Int64N(int64(3 * time.Minute)))
			}
			ns := nowNs + int64(d)
			a, ok := fast.ObserveNewest(ns, nowNs)
			if ok {
				served++
			} else {
				a = fast.observeAt(ns, nowNs)
			}
			spans++
			require.Equal(t, general.observeAt(ns, nowNs), a, "batch %d, end %v from the wall clock", batch, d)
		}
		require.Equal(t, general.maxSeen, fast.maxSeen, "batch %d", batch)
		require.Equal(t, general.wallAtMax, fast.wallAtMax, "batch %d", batch)
		a, aok := fast.Advance()
		b, bok := general.Advance()
		require.Equal(t, bok, aok, "batch %d", batch)
		require.Equal(t, b, a, "batch %d", batch)
		now = now.Add(time.Duration(rng.Int64N(int64(3 * time.Second))))
	}
	assert.Greater(t, served, spans/2, "the fast path served too few spans to be tested")
	assert.Less(t, served, spans, "every span took the fast path: the general one was not compared")
}
