package comparison

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// pairChunk is how many batches a paired measurement decodes at a time:
// a few milliseconds of work, long against reading the CPU clock (about a
// microsecond), short against changes of load on a shared machine.
const pairChunk = 8

// measurePaired is measure for contenders that do all their work inside
// ConsumeTraces and Shutdown (connectors; not tail_sampling, which works on
// a goroutine of its own and would spill into the next phase). The
// decode-only cost is measured chunk by chunk, right beside the run's own
// decoding of the same batches: a chunk is decoded alone, then decoded
// and fed to the contender (the order alternates between chunks, so
// neither phase profits from the other's warm caches more often), and the
// difference is summed. A change of load on a shared machine then moves
// both terms alike within milliseconds, where measure's passes a second
// apart can drift by more than a fast contender's whole cost. Garbage
// collection runs whenever the heap asks for it, in either phase, as in a
// collector; a contender that allocates triggers more of it.
func (w *Workload) measurePaired(ctx context.Context, start func() (underTest, error)) (CPU, error) {
	// Allocations: one decode-only pass, then the paired pass (which
	// decodes everything twice).
	alone, err := w.pass(ctx, nil)
	if err != nil {
		return CPU{}, err
	}
	var u ptrace.ProtoUnmarshaler
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)

	var phase clock
	var run, decode elapsed
	phase.start()
	p, err := start()
	if err != nil {
		return CPU{}, err
	}
	run.add(phase.stop())
	for i := 0; i < len(w.encoded); i += pairChunk {
		chunk := w.encoded[i:min(i+pairChunk, len(w.encoded))]
		decodeFirst := (i/pairChunk)%2 == 0
		for k := range 2 {
			feed := (k == 1) == decodeFirst
			phase.start()
			for _, b := range chunk {
				td, err := u.UnmarshalTraces(b)
				if err != nil {
					return CPU{}, err
				}
				if feed {
					if err := p.ConsumeTraces(ctx, td); err != nil {
						return CPU{}, err
					}
				}
			}
			if feed {
				run.add(phase.stop())
			} else {
				decode.add(phase.stop())
			}
		}
	}
	phase.start()
	if err := p.Shutdown(ctx); err != nil {
		return CPU{}, fmt.Errorf("shutdown: %w", err)
	}
	run.add(phase.stop())
	runtime.ReadMemStats(&m1)
	if phase.err != nil {
		return CPU{}, fmt.Errorf("reading the CPU clock: %w", phase.err)
	}

	n := float64(w.truth.TotalSpans())
	allocs := float64(m1.Mallocs-m0.Mallocs) - 2*float64(alone.allocs)
	bytes := float64(m1.TotalAlloc-m0.TotalAlloc) - 2*float64(alone.bytes)
	return CPU{
		Spans:                w.truth.TotalSpans(),
		CPUPerSpan:           float64(run.cpu-decode.cpu) / n,
		WallPerSpan:          float64(run.wall-decode.wall) / n,
		AllocsSpan:           allocs / n,
		BytesSpan:            bytes / n,
		DecodePerSpan:        float64(decode.cpu) / n,
		GrossPerSpan:         float64(run.cpu) / n,
		FastestDecodePerSpan: float64(decode.cpu) / n,
		Truth:                w.truth,
	}, nil
}

// clock times one phase at a time in process CPU time and wall time.
type clock struct {
	cpu0  time.Duration
	wall0 time.Time
	err   error // the first failure to read the CPU clock
}

func (c *clock) start() {
	var err error
	if c.cpu0, err = processCPU(); err != nil && c.err == nil {
		c.err = err
	}
	c.wall0 = time.Now()
}

// stop returns the phase's CPU and wall time.
func (c *clock) stop() (cpu, wall time.Duration) {
	wall = time.Since(c.wall0)
	cpu1, err := processCPU()
	if err != nil && c.err == nil {
		c.err = err
	}
	return cpu1 - c.cpu0, wall
}

// elapsed sums phases.
type elapsed struct{ cpu, wall time.Duration }

func (e *elapsed) add(cpu, wall time.Duration) {
	e.cpu += cpu
	e.wall += wall
}
