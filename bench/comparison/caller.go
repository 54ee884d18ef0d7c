package comparison

import (
	"context"
	"runtime"
)

// measureCaller is measure for contenders that do their work on the
// caller's goroutine, inside ConsumeTraces and Shutdown (connectors; not
// tail_sampling, which works on a goroutine of its own). The goroutine is
// locked to its thread, so the growth of the process's CPU over decoding
// alone splits into the calling thread's (the contender's calls, and what
// its presence costs the decoding on that thread: collector assists,
// sweeping its garbage, caches its working set takes) and other threads'
// (garbage collection workers, the background sweeper, any goroutine of
// the contender's).
//
// Every batch is decoded once, as in a collector. Earlier versions decoded
// each batch twice, once feeding the contender and once not, to pair the
// two chunk by chunk against a machine whose load drifts; but what a
// contender costs the decoding beside it then fell partly outside the
// pairing and was counted once per decoding, twice per span.
// Calibrate checks the method against a contender of known cost.
func (w *Workload) measureCaller(ctx context.Context, start func() (underTest, error)) (CPU, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return w.measure(ctx, start)
}
