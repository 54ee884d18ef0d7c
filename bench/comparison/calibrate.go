package comparison

import (
	"context"
	"runtime"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Calibration is what measureCaller reads for a contender of known cost.
type Calibration struct {
	Known    float64 // the contender's CPU per span, ns, timed alone
	Measured CPU
}

// Calibrate measures, as the connectors are measured, a contender that
// only spins for about perSpan of CPU per span it is handed: no memory,
// no allocation, no goroutine. A method that read it far from Known would
// misread the connectors too.
func Calibrate(ctx context.Context, w *Workload, perSpan time.Duration) (Calibration, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s := &spinner{}
	known, err := s.calibrate(perSpan)
	if err != nil {
		return Calibration{}, err
	}
	m, err := w.measureCaller(ctx, func() (underTest, error) { return s, nil })
	return Calibration{Known: known, Measured: m}, err
}

// spinner burns a fixed number of multiply-adds per span.
type spinner struct {
	perSpan int
	state   uint64
}

// spinIterations is how long calibrate times the loop: about 50 ms.
const spinIterations = 50_000_000

// calibrate sets the iterations per span for about d of CPU each and
// returns the CPU per span they take, timed on the calling thread's clock.
func (s *spinner) calibrate(d time.Duration) (float64, error) {
	var clk threadClock
	t0 := clk.read()
	s.spin(spinIterations)
	perIteration := float64(clk.read()-t0) / spinIterations
	if clk.err != nil {
		return 0, clk.err
	}
	s.perSpan = max(1, int(float64(d)/perIteration))
	return float64(s.perSpan) * perIteration, nil
}

func (s *spinner) spin(n int) {
	x := s.state
	for range n {
		x = x*6364136223846793005 + 1442695040888963407 // a dependency chain the compiler cannot drop
	}
	s.state = x
}

func (s *spinner) ConsumeTraces(_ context.Context, td ptrace.Traces) error {
	s.spin(s.perSpan * td.SpanCount())
	return nil
}

func (s *spinner) Shutdown(context.Context) error { return nil }
