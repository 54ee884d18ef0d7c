package eventtime_test

import (
	"fmt"
	"time"

	"github.com/canarytrace/canarytrace/internal/eventtime"
)

// A backtest follows span time only: a step is judged once a span ends
// allowed_lateness after the step's end.
func ExampleWatermark_Advance() {
	cfg := eventtime.Config{Interval: 10 * time.Second, AllowedLateness: 5 * time.Second, MaxFutureSkew: time.Minute, MaxSteps: 30}
	w := eventtime.New(cfg, nil)
	base := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	for _, sec := range []int{1, 3, 9, 16} {
		w.Observe(base.Add(time.Duration(sec) * time.Second))
		if s, ok := w.Advance(); ok {
			fmt.Println("after", sec, "s: judge the step ending", s.Last.End(cfg.Interval).Format(time.TimeOnly))
		}
	}
	// Output:
	// after 16 s: judge the step ending 08:00:10
}
