package canaryverdictexporter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/canarytrace/canarytrace/internal/evidence"
)

const grace = 30 * time.Second

// learned returns a clock past its first grace period, with instances a
// and b having reached step 1 at t0 (judged), and the time it is now.
func learned(t *testing.T, expiry time.Duration) (*stepClock, time.Time, *clockEvents) {
	t.Helper()
	c := newStepClock(grace, expiry, 10)
	ev := &clockEvents{}
	c.report("a", 1, 1, t0, ev)
	c.report("b", 1, 1, t0, ev)
	assert.Equal(t, []evidence.Step{1}, c.ready(t0.Add(grace), ev))
	*ev = clockEvents{}
	return c, t0.Add(grace), ev
}

func TestClockLearnsTheFleetBeforeJudging(t *testing.T) {
	c := newStepClock(grace, time.Hour, 10)
	var ev clockEvents
	c.report("a", 5, 5, t0, &ev)
	assert.Nil(t, c.ready(t0, &ev), "right after start, b may not have spoken yet")
	c.report("b", 4, 4, t0.Add(10*time.Second), &ev)
	assert.Nil(t, c.ready(t0.Add(grace-time.Nanosecond), &ev))
	assert.Equal(t, []evidence.Step{4, 5}, c.ready(t0.Add(grace), &ev))
}

func TestClockStartsAtTheEarliestEvidence(t *testing.T) {
	c := newStepClock(grace, time.Hour, 10)
	var ev clockEvents
	// A connector's first export holds steps 3-6: its watermark passed them.
	c.report("a", 3, 6, t0, &ev)
	assert.Equal(t, []evidence.Step{3, 4, 5, 6}, c.ready(t0.Add(grace), &ev))
}

func TestClockWaitsForEveryRecentInstance(t *testing.T) {
	c, now, ev := learned(t, time.Hour)
	c.report("a", 10, 10, now, ev)
	c.report("b", 8, 8, now, ev)
	assert.Equal(t, []evidence.Step{2, 3, 4, 5, 6, 7, 8}, c.ready(now, ev), "b has reached 8 only")
	c.report("b", 10, 10, now.Add(time.Second), ev)
	assert.Equal(t, []evidence.Step{9, 10}, c.ready(now.Add(time.Second), ev))
	assert.Nil(t, c.ready(now.Add(2*time.Second), ev), "nothing new")
	assert.Equal(t, clockEvents{}, *ev)
}

func TestClockGracePeriodUnstallsAStoppedInstance(t *testing.T) {
	c, now, ev := learned(t, time.Hour)
	// b stops; a goes on.
	c.report("a", 2, 2, now.Add(10*time.Second), ev)
	c.report("a", 3, 3, now.Add(20*time.Second), ev)
	assert.Nil(t, c.ready(now.Add(39*time.Second), ev), "step 2 was reached at +10s; its grace ends at +40s")
	assert.Equal(t, []evidence.Step{2}, c.ready(now.Add(40*time.Second), ev))
	assert.Equal(t, []evidence.Step{3}, c.ready(now.Add(50*time.Second), ev))
	assert.Equal(t, 2, ev.graced)
}

func TestClockForgetsExpiredInstances(t *testing.T) {
	c, now, ev := learned(t, time.Minute)
	c.report("a", 2, 2, now.Add(time.Minute), ev)
	// b was last seen at t0, 90s ago, beyond the 1m expiry: a alone decides.
	assert.Equal(t, []evidence.Step{2}, c.ready(now.Add(time.Minute), ev))
	assert.Equal(t, 1, ev.expired)
	assert.Equal(t, 0, ev.graced)
}

func TestClockInstanceCapEvictsTheOldest(t *testing.T) {
	c := newStepClock(grace, time.Hour, 2)
	var ev clockEvents
	c.report("a", 1, 1, t0, &ev)
	c.report("b", 1, 1, t0.Add(time.Second), &ev)
	c.report("c", 1, 1, t0.Add(2*time.Second), &ev)
	assert.Equal(t, 1, ev.evicted)
	assert.Len(t, c.instances, 2)
	assert.NotContains(t, c.instances, "a")
}

func TestClockCatchUpIsBounded(t *testing.T) {
	c, now, ev := learned(t, time.Hour)
	c.report("a", 1_000_000, 1_000_000, now, ev)
	c.report("b", 1_000_000, 1_000_000, now, ev)
	steps := c.ready(now, ev)
	assert.Len(t, steps, maxCatchUpSteps)
	assert.Equal(t, evidence.Step(1_000_000), steps[len(steps)-1])
	assert.Equal(t, 1_000_000-1-maxCatchUpSteps, ev.skipped)
	assert.Empty(t, c.firstReached)
}

func TestClockLateReportDoesNotGoBack(t *testing.T) {
	c, now, ev := learned(t, time.Hour)
	c.report("a", 5, 5, now, ev)
	c.report("b", 5, 5, now, ev)
	c.ready(now, ev)
	c.report("a", 3, 3, now.Add(time.Second), ev)
	assert.Nil(t, c.ready(now.Add(time.Second), ev))
	assert.Equal(t, evidence.Step(5), c.instances["a"].reached)
}
