package canaryverdictexporter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/canarytrace/canarytrace/internal/evidence"
)

func TestClockWaitsForEveryRecentInstance(t *testing.T) {
	c := newStepClock(30*time.Second, 5*time.Minute, 10)
	var ev clockEvents
	c.report("a", 10, t0, &ev)
	c.report("b", 8, t0, &ev)
	assert.Equal(t, []evidence.Step{8}, c.ready(t0, &ev), "b has reached 8 only; 9 was first reached by a")
	c.report("b", 10, t0.Add(time.Second), &ev)
	assert.Equal(t, []evidence.Step{9, 10}, c.ready(t0.Add(time.Second), &ev))
	assert.Nil(t, c.ready(t0.Add(2*time.Second), &ev), "nothing new")
	assert.Equal(t, clockEvents{newInstances: 2}, ev)
}

func TestClockGracePeriodUnstallsAStoppedInstance(t *testing.T) {
	c := newStepClock(30*time.Second, 5*time.Minute, 10)
	var ev clockEvents
	c.report("a", 5, t0, &ev)
	c.report("b", 5, t0, &ev)
	assert.Equal(t, []evidence.Step{5}, c.ready(t0, &ev))
	// b stops; a goes on.
	c.report("a", 6, t0.Add(10*time.Second), &ev)
	c.report("a", 7, t0.Add(20*time.Second), &ev)
	assert.Nil(t, c.ready(t0.Add(39*time.Second), &ev), "step 6 was reached at +10s; its grace ends at +40s")
	assert.Equal(t, []evidence.Step{6}, c.ready(t0.Add(40*time.Second), &ev))
	assert.Equal(t, []evidence.Step{7}, c.ready(t0.Add(50*time.Second), &ev))
	assert.Equal(t, 2, ev.graced)
}

func TestClockForgetsExpiredInstances(t *testing.T) {
	c := newStepClock(30*time.Second, time.Minute, 10)
	var ev clockEvents
	c.report("a", 1, t0, &ev)
	c.report("b", 1, t0, &ev)
	c.ready(t0, &ev)
	c.report("a", 2, t0.Add(90*time.Second), &ev)
	// b was last seen 90s ago, beyond the 1m expiry: a alone decides.
	assert.Equal(t, []evidence.Step{2}, c.ready(t0.Add(90*time.Second), &ev))
	assert.Equal(t, 1, ev.expired)
	assert.Equal(t, 0, ev.graced)
}

func TestClockInstanceCapEvictsTheOldest(t *testing.T) {
	c := newStepClock(30*time.Second, time.Hour, 2)
	var ev clockEvents
	c.report("a", 1, t0, &ev)
	c.report("b", 1, t0.Add(time.Second), &ev)
	c.report("c", 1, t0.Add(2*time.Second), &ev)
	assert.Equal(t, 1, ev.evicted)
	assert.Len(t, c.instances, 2)
	assert.NotContains(t, c.instances, "a")
}

func TestClockCatchUpIsBounded(t *testing.T) {
	c := newStepClock(30*time.Second, time.Hour, 2)
	var ev clockEvents
	c.report("a", 0, t0, &ev)
	c.ready(t0, &ev)
	c.report("a", 1_000_000, t0.Add(time.Second), &ev)
	steps := c.ready(t0.Add(time.Second), &ev)
	assert.Len(t, steps, maxCatchUpSteps)
	assert.Equal(t, evidence.Step(1_000_000), steps[len(steps)-1])
	assert.Equal(t, 1_000_000-maxCatchUpSteps, ev.skipped)
	assert.LessOrEqual(t, len(c.firstReached), maxCatchUpSteps)
}

func TestClockLateReportDoesNotGoBack(t *testing.T) {
	c := newStepClock(30*time.Second, time.Hour, 2)
	var ev clockEvents
	c.report("a", 5, t0, &ev)
	c.ready(t0, &ev)
	c.report("a", 3, t0.Add(time.Second), &ev)
	assert.Nil(t, c.ready(t0.Add(time.Second), &ev))
	assert.Equal(t, evidence.Step(5), c.instances["a"].reached)
}
