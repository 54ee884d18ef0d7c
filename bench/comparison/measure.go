package comparison

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"

	"github.com/canarytrace/canarytrace/bench/workload"
)

// CPUWait is the decision_wait of CPU runs: traces are decided while the
// workload streams in, as in a collector under load. One second is the
// shortest tail_sampling honours (it decides on one-second ticks).
const CPUWait = time.Second

// HeldWait is the decision_wait of memory runs: longer than any run, so
// every trace is still buffered when the heap is measured.
const HeldWait = time.Hour

// CPU is the cost of processing a workload from first span to the last
// decision or metric (Shutdown decides what a sampler still buffers; a
// connector emits its last metrics before it), net of decoding.
type CPU struct {
	Spans int
	// CPUPerSpan is the contender's CPU time per span, in ns: process CPU
	// net of decoding.
	CPUPerSpan float64
	// CallerPerSpan is the growth of the calling thread's CPU over
	// decoding alone, OtherThreadPerSpan the rest of CPUPerSpan (the
	// garbage collector's workers, the contender's goroutines). The split
	// means something only when the run was locked to its thread
	// (measureCaller: connectors).
	CallerPerSpan      float64
	OtherThreadPerSpan float64
	WallPerSpan        float64 // ns of wall time per span, net of decoding
	AllocsSpan         float64 // heap allocations per span, net of decoding
	BytesSpan          float64 // heap bytes allocated per span, net of decoding
	// DecodePerSpan is the CPU per span of decoding the batches alone,
	// the receiver's share, subtracted from CPUPerSpan.
	DecodePerSpan float64
	// GrossPerSpan is the CPU per span of the run itself, decoding
	// included; FastestDecodePerSpan the faster of the two decode-only
	// passes. Contention only ever adds CPU time, so the minimum of each
	// over several runs is its least disturbed figure (see FastestNet).
	GrossPerSpan         float64
	FastestDecodePerSpan float64
	// Kept is what a sampler forwarded; Calls what a connector's metrics
	// counted. Each is zero for the other kind of contender.
	Kept  Kept
	Calls Calls
	Truth workload.Truth
}

// Workload is a generated workload kept as OTLP protobuf, as a receiver
// gets it. Keeping it encoded matters: decoded pdata of a whole run would
// be hundreds of megabytes of pointer-rich live heap, and every garbage
// collection during the run would mark it, charging each sampler for GC
// work a collector would not do.
type Workload struct {
	encoded [][]byte
	truth   workload.Truth
	traces  int
}

// Prepare generates the workload of a CPU run.
func Prepare(cfg workload.Config) (*Workload, error) {
	w := &Workload{traces: cfg.Traces}
	var m ptrace.ProtoMarshaler
	var err error
	w.truth = workload.Generate(cfg, func(td ptrace.Traces) {
		b, e := m.MarshalTraces(td)
		if e != nil && err == nil {
			err = e
		}
		w.encoded = append(w.encoded, b)
	})
	return w, err
}

// MeasureCPU prepares the workload and runs it through a new sampler.
func MeasureCPU(ctx context.Context, s Sampler, cfg workload.Config) (CPU, error) {
	w, err := Prepare(cfg)
	if err != nil {
		return CPU{}, err
	}
	return RunCPU(ctx, s, w)
}

// RunCPU measures the workload decoded and fed to a new sampler, from the
// sampler's creation to the end of its Shutdown (see measure).
func RunCPU(ctx context.Context, s Sampler, w *Workload) (CPU, error) {
	out := newSink()
	c, err := w.measure(ctx, func() (underTest, error) { return s.start(ctx, CPUWait, 2*w.traces, out) })
	if err != nil {
		return CPU{}, fmt.Errorf("%s: %w", s.Name, err)
	}
	c.Kept = out.result()
	return c, nil
}

// underTest is a started contender as a run drives it: batches in, then
// Shutdown, which must leave nothing undone (a connector's wrapper emits
// its last metrics first).
type underTest interface {
	ConsumeTraces(context.Context, ptrace.Traces) error
	Shutdown(context.Context) error
}

// measure runs the workload through the contender that start creates and
// subtracts the mean of two passes that only decode the same batches, one
// just before and one just after, so that a change of load on a shared
// machine during the run moves both terms alike.
func (w *Workload) measure(ctx context.Context, start func() (underTest, error)) (CPU, error) {
	before, total, after, err := w.bracketed(ctx, start)
	if err != nil {
		return CPU{}, err
	}
	decode := cost{
		cpu:    (before.cpu + after.cpu) / 2,
		thread: (before.thread + after.thread) / 2,
		wall:   (before.wall + after.wall) / 2,
		allocs: (before.allocs + after.allocs) / 2,
		bytes:  (before.bytes + after.bytes) / 2,
	}
	n := float64(w.truth.TotalSpans())
	return CPU{
		Spans:                w.truth.TotalSpans(),
		CPUPerSpan:           float64(total.cpu-decode.cpu) / n,
		CallerPerSpan:        float64(total.thread-decode.thread) / n,
		OtherThreadPerSpan:   float64((total.cpu-total.thread)-(decode.cpu-decode.thread)) / n,
		WallPerSpan:          float64(total.wall-decode.wall) / n,
		AllocsSpan:           (float64(total.allocs) - float64(decode.allocs)) / n, // a contender allocating nothing can come out below decoding alone
		BytesSpan:            (float64(total.bytes) - float64(decode.bytes)) / n,
		DecodePerSpan:        float64(decode.cpu) / n,
		GrossPerSpan:         float64(total.cpu) / n,
		FastestDecodePerSpan: float64(min(before.cpu, after.cpu)) / n,
		Truth:                w.truth,
	}, nil
}

// bracketed runs pass with the contender that start creates between two
// passes without one (start nil), just before and just after. A first
// pass without one, not returned, settles the heap the workload's
// generation left behind: the pass right after it ran 20-40 ns/span
// slower than the one after the contender's.
func (w *Workload) bracketed(ctx context.Context, start func() (underTest, error)) (before, run, after cost, err error) {
	if _, err = w.pass(ctx, nil); err != nil {
		return
	}
	if before, err = w.pass(ctx, nil); err != nil {
		return
	}
	if run, err = w.pass(ctx, start); err != nil {
		return
	}
	after, err = w.pass(ctx, nil)
	return
}

type cost struct {
	// cpu is the process's, thread the calling thread's (see measureCaller).
	cpu, thread, wall time.Duration
	allocs, bytes     uint64
}

// pass decodes every batch and hands it to the contender that start
// creates, then shuts it down; with start nil it only decodes.
func (w *Workload) pass(ctx context.Context, start func() (underTest, error)) (cost, error) {
	var u ptrace.ProtoUnmarshaler
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var clk threadClock
	cpu0, err := processCPU()
	if err != nil {
		return cost{}, err
	}
	thread0, wall0 := clk.read(), time.Now()

	var p underTest
	if start != nil {
		if p, err = start(); err != nil {
			return cost{}, err
		}
	}
	for _, b := range w.encoded {
		td, err := u.UnmarshalTraces(b)
		if err != nil {
			return cost{}, err
		}
		if p == nil {
			continue
		}
		if err := p.ConsumeTraces(ctx, td); err != nil {
			return cost{}, err
		}
	}
	if p != nil {
		if err := p.Shutdown(ctx); err != nil {
			return cost{}, fmt.Errorf("shutdown: %w", err)
		}
	}

	wall, thread := time.Since(wall0), clk.read()-thread0
	cpu1, err := processCPU()
	if err != nil {
		return cost{}, err
	}
	if clk.err != nil {
		return cost{}, fmt.Errorf("reading the thread's CPU clock: %w", clk.err)
	}
	runtime.ReadMemStats(&after)
	return cost{cpu: cpu1 - cpu0, thread: thread, wall: wall, allocs: after.Mallocs - before.Mallocs, bytes: after.TotalAlloc - before.TotalAlloc}, nil
}

// Held is the memory a sampler holds for buffered spans.
type Held struct {
	Spans int
	// InUsePerSpan is the growth of the heap in use (runtime HeapInuse:
	// live objects and the fragmentation of the spans holding them) after a
	// full GC, per buffered span, counting everything the sampler allocated
	// from its creation on.
	InUsePerSpan float64
	// LivePerSpan is the same for live objects alone (HeapAlloc after GC).
	LivePerSpan float64
	// Early is the number of spans forwarded before the measurement: they
	// should be 0, every trace still buffered.
	Early int
	Kept  Kept
	Truth workload.Truth
}

// MeasureHeld streams the workload into a sampler that decides nothing
// before the heap is measured: each batch is generated, encoded, decoded
// and handed over, and then unreferenced, so after a GC only the sampler
// holds spans. Shutdown then decides every trace, for the decision check.
func MeasureHeld(ctx context.Context, s Sampler, cfg workload.Config) (Held, error) {
	out := newSink()
	base := heapAfterGC()

	p, err := s.start(ctx, HeldWait, 2*cfg.Traces, out)
	if err != nil {
		return Held{}, err
	}
	var feedErr error
	truth := workload.Generate(cfg, workload.ViaOTLP(func(td ptrace.Traces) {
		if err := p.ConsumeTraces(ctx, td); err != nil && feedErr == nil {
			feedErr = err
		}
	}))
	if feedErr != nil {
		return Held{}, fmt.Errorf("%s: %w", s.Name, feedErr)
	}
	if err := flushPipeline(ctx, p); err != nil {
		return Held{}, fmt.Errorf("%s: %w", s.Name, err)
	}
	held := heapAfterGC()
	early := out.spans()

	if err := p.Shutdown(ctx); err != nil {
		return Held{}, fmt.Errorf("%s: shutdown: %w", s.Name, err)
	}
	n := float64(truth.TotalSpans())
	return Held{
		Spans:        truth.TotalSpans(),
		InUsePerSpan: float64(int64(held.HeapInuse)-int64(base.HeapInuse)) / n,
		LivePerSpan:  float64(int64(held.HeapAlloc)-int64(base.HeapAlloc)) / n,
		Early:        early,
		Kept:         out.result(),
		Truth:        truth,
	}, nil
}

func heapAfterGC() runtime.MemStats {
	// Two cycles: finalizers and sync.Pool victims from the first are
	// freed by the second.
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m
}

// flushPipeline makes sure a sampler that ingests on its own goroutine has
// ingested everything handed to it. tail_sampling queues batches on a
// channel of runtime.NumCPU() slots read by one event loop, in order: once
// NumCPU()+2 more batches have been accepted, the loop has taken at least
// two of them, so it has finished every batch sent before. The probes are
// single spans of one trace the sink ignores (not a generated kind).
// canary_sampling ingests synchronously; the probes cost it one tiny trace.
func flushPipeline(ctx context.Context, p processor.Traces) error {
	for range runtime.NumCPU() + 2 {
		if err := p.ConsumeTraces(ctx, probe()); err != nil {
			return err
		}
	}
	return nil
}

func probe() ptrace.Traces {
	td := ptrace.NewTraces()
	s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetTraceID(pcommon.TraceID{0x00, 15: 0x01})
	s.SetSpanID(pcommon.SpanID{7: 0x01})
	s.SetName("probe")
	return td
}
