package eventtime

import "time"

// Step numbers an evaluation interval of span time: floor(t / interval).
type Step int64

// StepOf returns the step holding t. Times before the epoch floor towards
// minus infinity so every step is exactly one interval long.
func StepOf(t time.Time, interval time.Duration) Step {
	return stepOfNanos(t.UnixNano(), int64(interval))
}

func stepOfNanos(ns, interval int64) Step {
	s := ns / interval
	if ns%interval < 0 {
		s--
	}
	return Step(s)
}

// Start is the first instant of the step.
func (s Step) Start(interval time.Duration) time.Time {
	return time.Unix(0, int64(s)*int64(interval)).UTC()
}

// End is the first instant after the step (exclusive).
func (s Step) End(interval time.Duration) time.Time {
	return (s + 1).Start(interval)
}
