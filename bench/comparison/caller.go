package comparison

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// measureCaller is measure for contenders that do their work on the
// caller's goroutine, inside ConsumeTraces and Shutdown (connectors; not
// tail_sampling, which works on a goroutine of its own). The goroutine is
// locked to its thread, and the contender's CPU is the sum of two terms:
//
//   - the calling thread's CPU time inside the contender's calls (its
//     creation, every ConsumeTraces, Shutdown), which nothing else on the
//     machine can add to; and
//   - the growth of the process's CPU time on all other threads (garbage
//     collection workers, the background sweeper, any goroutine of the
//     contender's) in the fed pass over the mean of two decode-only passes,
//     one just before and one just after.
//
// Both terms are free of the decoding's own cost, which is ten times a
// fast contender's and moves with the machine's load: the process-CPU
// difference of whole passes (kept as ProcessPerSpan) carries that noise,
// and so did the chunk-by-chunk pairing this replaced, which also shared
// the runtime's background work for the decoder's garbage out between
// phases by their wall time. calibrate checks the method against a
// contender of known cost.
func (w *Workload) measureCaller(ctx context.Context, start func() (underTest, error)) (CPU, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before, err := w.callerPass(ctx, nil)
	if err != nil {
		return CPU{}, err
	}
	fed, err := w.callerPass(ctx, start)
	if err != nil {
		return CPU{}, err
	}
	after, err := w.callerPass(ctx, nil)
	if err != nil {
		return CPU{}, err
	}
	n := float64(w.truth.TotalSpans())
	mean := func(f func(callerCost) time.Duration) float64 {
		return float64(f(before)+f(after)) / 2
	}
	others := float64(fed.others()) - mean(callerCost.others)
	decode := cost{
		cpu:    (before.process + after.process) / 2,
		allocs: (before.allocs + after.allocs) / 2,
		bytes:  (before.bytes + after.bytes) / 2,
	}
	return CPU{
		Spans:              w.truth.TotalSpans(),
		CPUPerSpan:         (float64(fed.inside) + others) / n,
		CallerPerSpan:      float64(fed.inside) / n,
		OtherThreadPerSpan: others / n,
		ProcessPerSpan:     (float64(fed.process) - mean(func(c callerCost) time.Duration { return c.process })) / n,
		WallPerSpan:        (float64(fed.wall) - mean(func(c callerCost) time.Duration { return c.wall })) / n,
		AllocsSpan:         float64(fed.allocs-decode.allocs) / n,
		BytesSpan:          float64(fed.bytes-decode.bytes) / n,
		DecodePerSpan:      float64(decode.cpu) / n,
		Truth:              w.truth,
	}, nil
}

// callerCost is one pass as measureCaller sees it.
type callerCost struct {
	process, thread time.Duration // the process's and the calling thread's CPU over the pass
	inside          time.Duration // the calling thread's CPU inside the contender's calls
	wall            time.Duration
	allocs, bytes   uint64
}

// others is the CPU the pass took on threads other than the caller's.
func (c callerCost) others() time.Duration { return c.process - c.thread }

// callerPass decodes every batch and, when start is set, hands it to the
// contender that start creates, then shuts the contender down. The caller
// must be locked to its thread.
func (w *Workload) callerPass(ctx context.Context, start func() (underTest, error)) (callerCost, error) {
	var u ptrace.ProtoUnmarshaler
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	var c callerCost
	var clk threadClock
	overhead := clk.overhead()
	calls := 0
	p0, err := processCPU()
	if err != nil {
		return c, err
	}
	t0, wall0 := clk.read(), time.Now()

	var p underTest
	if start != nil {
		in := clk.read()
		if p, err = start(); err != nil {
			return c, err
		}
		c.inside += clk.read() - in
	}
	for _, b := range w.encoded {
		td, err := u.UnmarshalTraces(b)
		if err != nil {
			return c, err
		}
		if p == nil {
			continue
		}
		in := clk.read()
		err = p.ConsumeTraces(ctx, td)
		c.inside += clk.read() - in
		calls++
		if err != nil {
			return c, err
		}
	}
	if p != nil {
		in := clk.read()
		if err := p.Shutdown(ctx); err != nil {
			return c, fmt.Errorf("shutdown: %w", err)
		}
		c.inside += clk.read() - in
		calls += 2 // start and Shutdown
	}
	c.inside -= time.Duration(calls) * overhead

	c.wall, c.thread = time.Since(wall0), clk.read()-t0
	p1, err := processCPU()
	if err != nil {
		return c, err
	}
	runtime.ReadMemStats(&m1)
	if clk.err != nil {
		return c, fmt.Errorf("reading the thread's CPU clock: %w", clk.err)
	}
	c.process, c.allocs, c.bytes = p1-p0, m1.Mallocs-m0.Mallocs, m1.TotalAlloc-m0.TotalAlloc
	return c, nil
}
