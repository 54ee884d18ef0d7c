package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"time"

	"github.com/canarytrace/canarytrace/internal/evidence"
)

// maxCatchUpSteps bounds the steps judged in one go: an instance that jumps
// far ahead (a replay, a long idle period) must not make the exporter judge
// thousands of empty steps; the older ones are skipped, the verdict at the
// newest step is the same because evidence accumulates over the run.
const maxCatchUpSteps = 360

// stepClock decides which aligned event-time steps are ready to judge: a
// step is ready once every recently seen instance has reported reaching it,
// or once the grace period has passed since the first instance did, so a
// stopped or lagging instance cannot stall the verdict.
type stepClock struct {
	grace, expiry time.Duration
	maxInstances  int

	instances map[string]*instanceClock
	// started is false until the first report; judged is then the last step
	// judged (or the one before the first reported step).
	started   bool
	anyJudged bool
	// learnUntil ends the first grace period after the first report: until
	// then the exporter does not know the fleet yet (after a restart, the
	// first instance to report would otherwise be judged alone, and the
	// judge ignores cells of steps already judged), so steps wait for their
	// grace period even if every instance seen so far has reported them.
	learnUntil time.Time
	judged     evidence.Step
	// firstReached holds, for steps not judged yet, the wall time at which
	// the first instance reached them.
	firstReached map[evidence.Step]time.Time
}

type instanceClock struct {
	reached  evidence.Step
	lastSeen time.Time
}

// clockEvents are what a call changed, for telemetry.
type clockEvents struct {
	newInstances int
	expired      int
	evicted      int
	graced       int
	skipped      int
}

func newStepClock(grace, expiry time.Duration, maxInstances int) *stepClock {
	return &stepClock{grace: grace, expiry: expiry, maxInstances: maxInstances,
		instances: map[string]*instanceClock{}, firstReached: map[evidence.Step]time.Time{}}
}

// report records that an instance has complete evidence through step
// reached; earliest is the first step its payload holds evidence for
// (reached when none). An instance never goes back: a lower report (late
// data) keeps its progress.
func (c *stepClock) report(instance string, earliest, reached evidence.Step, now time.Time, ev *clockEvents) {
	// Judging starts just before the earliest step with evidence seen until
	// the first judgement, so the first steps of a run are judged one by
	// one (a connector exports a step only once its watermark passed it).
	first := min(earliest, reached)
	if !c.started {
		c.learnUntil = now.Add(c.grace)
	}
	if !c.started || (!c.anyJudged && first-1 < c.judged) {
		c.started, c.judged = true, max(first, reached-maxCatchUpSteps+1)-1
	}
	in, ok := c.instances[instance]
	if !ok {
		c.evictForRoom(ev)
		in = &instanceClock{reached: reached}
		c.instances[instance] = in
		ev.newInstances++
	}
	in.lastSeen = now
	if reached > in.reached {
		in.reached = reached
	}
	// Only steps not judged yet are timed; bound the bookkeeping to the
	// catch-up window so a wild step number cannot allocate without limit.
	from := max(c.judged+1, reached-maxCatchUpSteps+1)
	for s := from; s <= reached; s++ {
		if _, ok := c.firstReached[s]; !ok {
			c.firstReached[s] = now
		}
	}
}

// evictForRoom forgets the instance seen longest ago when at the cap.
func (c *stepClock) evictForRoom(ev *clockEvents) {
	if len(c.instances) < c.maxInstances {
		return
	}
	var oldest string
	var at time.Time
	for id, in := range c.instances {
		if oldest == "" || in.lastSeen.Before(at) {
			oldest, at = id, in.lastSeen
		}
	}
	delete(c.instances, oldest)
	ev.evicted++
}

// ready returns, in order, the steps to judge now.
func (c *stepClock) ready(now time.Time, ev *clockEvents) []evidence.Step {
	if !c.started {
		return nil
	}
	allReached, any := evidence.Step(0), false
	for id, in := range c.instances {
		if now.Sub(in.lastSeen) > c.expiry {
			delete(c.instances, id)
			ev.expired++
			continue
		}
		if !any || in.reached < allReached {
			allReached = in.reached
		}
		any = true
	}
	target := c.judged
	if any && allReached > target && !now.Before(c.learnUntil) {
		target = allReached
	}
	// Beyond what everyone reached, a step is judged once its grace period
	// has passed; steps are judged in order, so stop at the first that waits.
	for s := target + 1; ; s++ {
		first, ok := c.firstReached[s]
		if !ok || now.Sub(first) < c.grace {
			break
		}
		target = s
		ev.graced++
	}
	if target <= c.judged {
		return nil
	}
	from := c.judged + 1
	if target-from+1 > maxCatchUpSteps {
		ev.skipped += int(target - from + 1 - maxCatchUpSteps)
		from = target - maxCatchUpSteps + 1
	}
	steps := make([]evidence.Step, 0, target-from+1)
	for s := from; s <= target; s++ {
		steps = append(steps, s)
	}
	for s := range c.firstReached {
		if s <= target {
			delete(c.firstReached, s)
		}
	}
	c.judged, c.anyJudged = target, true
	return steps
}
