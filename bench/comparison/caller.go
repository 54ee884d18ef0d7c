package comparison

import (
	"bytes"
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
// locked to its thread.
//
// Each pass decodes every batch twice, 8 batches at a time: once into a
// "fed" phase, once into a decode-only phase, the order alternating
// between chunks. The decode-only phase reads a byte-identical twin of
// the batches, so that neither finds the other's input in the CPU's
// caches. A pass with the contender (it is handed the fed phase's
// batches) is bracketed by two without (the fed phase only decodes), and
// the contender's CPU is the process's CPU in its pass less the mean of
// the other two: the same difference measure takes for the samplers,
// between passes built alike. It is reported as the sum of three terms:
//
//   - Its calls: the calling thread's CPU in the fed phases less that in
//     the decode-only phases of the same pass, chunk by chunk. That is
//     the contender's calls (its creation and Shutdown included) and what
//     they cost the decoding right after them; both phases see the same
//     load within milliseconds.
//   - Decoding slowed: the rest of the calling thread's growth. A
//     contender's garbage is collected while everything allocates:
//     decoding pays assists and sweeps the contender's dead objects, in
//     the decode-only phases as in the fed ones, and the first term
//     subtracts that share. A contender that allocates nothing reads
//     about zero here.
//   - Other threads (garbage collection workers, the background sweeper,
//     any goroutine of the contender's): their growth.
//
// Process CPU differenced chunk by chunk shared the runtime's background
// work on the decoder's garbage out between the phases by their wall
// time, charging every contender for part of decoding. Calibrate checks
// the method against a contender of known cost.
func (w *Workload) measureCaller(ctx context.Context, start func() (underTest, error)) (CPU, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	w.makeTwin()
	before, paired, after, err := bracketed(func(start func() (underTest, error)) (callerCost, error) { return w.callerPass(ctx, start) }, start)
	if err != nil {
		return CPU{}, err
	}
	n := float64(w.truth.TotalSpans())
	alone := func(f func(callerCost) float64) float64 { return f(paired) - (f(before)+f(after))/2 }
	caller := float64(paired.fed - paired.decoded)
	thread := alone(func(c callerCost) float64 { return float64(c.fed + c.decoded) })
	others := alone(func(c callerCost) float64 { return float64(c.others()) })
	return CPU{
		Spans:               w.truth.TotalSpans(),
		CPUPerSpan:          (thread + others) / n,
		CallerPerSpan:       caller / n,
		DecodeSlowedPerSpan: (thread - caller) / n,
		OtherThreadPerSpan:  others / n,
		WallPerSpan:         float64(paired.fedWall-paired.decodedWall) / n,
		AllocsSpan:          alone(func(c callerCost) float64 { return float64(c.allocs) }) / n,
		BytesSpan:           alone(func(c callerCost) float64 { return float64(c.bytes) }) / n,
		DecodePerSpan:       float64(before.decoded+after.decoded) / 2 / n,
		Truth:               w.truth,
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

// callerPass decodes every batch twice (see measureCaller); when start is
// set, it creates the contender, feeds it one of the decodings and shuts
// it down. The caller must be locked to its thread.
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
			if feed && p != nil {
				if err := p.ConsumeTraces(ctx, td); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for i := 0; i < len(w.encoded); i += pairChunk {
		end := min(i+pairChunk, len(w.encoded))
		chunk := w.encoded[i:end]
		decodeFirst := (i/pairChunk)%2 == 0
		for k := range 2 {
			feed := (k == 1) == decodeFirst
			// The decode-only phase reads the twin: decoding the very bytes
			// the other phase just read would find them in the CPU's
			// caches, as a collector never does.
			cpu, wall, in := &c.decoded, &c.decodedWall, w.twin[i:end]
			if feed {
				cpu, wall, in = &c.fed, &c.fedWall, chunk
			}
			if err := timed(cpu, wall, func() error { return decode(feed, in) }); err != nil {
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

// makeTwin copies the encoded batches once, for callerPass's decode-only
// phases.
func (w *Workload) makeTwin() {
	if w.twin != nil {
		return
	}
	w.twin = make([][]byte, len(w.encoded))
	for i, b := range w.encoded {
		w.twin[i] = bytes.Clone(b)
	}
}
