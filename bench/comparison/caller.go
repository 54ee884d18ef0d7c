package comparison

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// pairChunk is how many batches measureCaller decodes at a time: a few
// milliseconds of work, long against reading a CPU clock (about a
// microsecond), short against changes of load on a shared machine.
const pairChunk = 8

// measureCaller is measure for contenders that do their work on the
// caller's goroutine, inside ConsumeTraces and Shutdown (connectors; not
// tail_sampling, which works on a goroutine of its own). The goroutine is
// locked to its thread, and the contender's CPU is the sum of two terms:
//
//   - On the calling thread: every 8 batches are decoded once alone and
//     once decoded and fed to the contender (the order alternating between
//     chunks), and the thread's CPU in the decode-only phases is
//     subtracted from its CPU in the fed ones. What remains is the
//     contender's calls (its creation and Shutdown included) and what they
//     cost the decoding that follows them (caches and branch predictors
//     they evicted); both phases see the same load within milliseconds.
//   - On other threads (garbage collection workers, the background
//     sweeper, any goroutine of the contender's): their CPU over the
//     paired pass less twice their mean over decode-only passes just
//     before and after (the paired pass decodes everything twice).
//
// Process CPU alone, differenced chunk by chunk, shared the runtime's
// background work on the decoder's garbage out between the phases by
// their wall time, charging every contender for part of decoding.
// Calibrate checks the method against a contender of known cost.
func (w *Workload) measureCaller(ctx context.Context, start func() (underTest, error)) (CPU, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before, paired, after, err := bracketed(func(start func() (underTest, error)) (callerCost, error) { return w.callerPass(ctx, start) }, start)
	if err != nil {
		return CPU{}, err
	}
	n := float64(w.truth.TotalSpans())
	alone := func(f func(callerCost) float64) float64 { return (f(before) + f(after)) / 2 }
	caller := float64(paired.fed - paired.decoded)
	others := float64(paired.others()) - 2*alone(func(c callerCost) float64 { return float64(c.others()) })
	return CPU{
		Spans:              w.truth.TotalSpans(),
		CPUPerSpan:         (caller + others) / n,
		CallerPerSpan:      caller / n,
		OtherThreadPerSpan: others / n,
		WallPerSpan:        float64(paired.fedWall-paired.decodedWall) / n,
		AllocsSpan:         (float64(paired.allocs) - 2*alone(func(c callerCost) float64 { return float64(c.allocs) })) / n,
		BytesSpan:          (float64(paired.bytes) - 2*alone(func(c callerCost) float64 { return float64(c.bytes) })) / n,
		DecodePerSpan:      float64(paired.decoded) / n,
		Truth:              w.truth,
	}, nil
}

// callerCost is one pass as measureCaller sees it.
type callerCost struct {
	process, thread time.Duration // the process's and the calling thread's CPU over the pass
	// fed and decoded are the calling thread's CPU in the phases that fed
	// the contender and in those that only decoded.
	fed, decoded         time.Duration
	fedWall, decodedWall time.Duration
	allocs, bytes        uint64
}

// others is the CPU the pass took on threads other than the caller's.
func (c callerCost) others() time.Duration { return c.process - c.thread }

// callerPass decodes every batch once; when start is set, it also creates
// the contender, decodes every batch a second time feeding it (see
// measureCaller), and shuts it down. The caller must be locked to its
// thread.
func (w *Workload) callerPass(ctx context.Context, start func() (underTest, error)) (callerCost, error) {
	var u ptrace.ProtoUnmarshaler
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	var c callerCost
	var clk threadClock
	overhead := clk.overhead()
	p0, err := processCPU()
	if err != nil {
		return c, err
	}
	t0 := clk.read()

	// timed runs f and adds its thread CPU (less the clock's own cost) and
	// wall time to cpu and wall.
	timed := func(cpu, wall *time.Duration, f func() error) error {
		w0, in := time.Now(), clk.read()
		err := f()
		*cpu += clk.read() - in - overhead
		*wall += time.Since(w0)
		return err
	}
	var p underTest
	if start != nil {
		err := timed(&c.fed, &c.fedWall, func() (err error) {
			p, err = start()
			return err
		})
		if err != nil {
			return c, err
		}
	}
	decode := func(feed bool, chunk [][]byte) error {
		for _, b := range chunk {
			td, err := u.UnmarshalTraces(b)
			if err != nil {
				return err
			}
			if feed {
				if err := p.ConsumeTraces(ctx, td); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for i := 0; i < len(w.encoded); i += pairChunk {
		chunk := w.encoded[i:min(i+pairChunk, len(w.encoded))]
		if p == nil {
			if err := decode(false, chunk); err != nil {
				return c, err
			}
			continue
		}
		decodeFirst := (i/pairChunk)%2 == 0
		for k := range 2 {
			feed := (k == 1) == decodeFirst
			cpu, wall := &c.decoded, &c.decodedWall
			if feed {
				cpu, wall = &c.fed, &c.fedWall
			}
			if err := timed(cpu, wall, func() error { return decode(feed, chunk) }); err != nil {
				return c, err
			}
		}
	}
	if p != nil {
		err := timed(&c.fed, &c.fedWall, func() error { return p.Shutdown(ctx) })
		if err != nil {
			return c, fmt.Errorf("shutdown: %w", err)
		}
	}

	c.thread = clk.read() - t0
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
