package comparison

import (
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// processCPU returns the CPU time (user + system) this process has used:
// every goroutine's, the garbage collector's included. A sampler that does
// its work on a background goroutine is charged for it, which wall time
// around ConsumeTraces would miss.
func processCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// threadClock reads the calling thread's CPU time (user + system), in
// nanoseconds: what the thread ran, whatever else the machine runs. Its
// reader must be locked to the thread. It keeps the first error.
type threadClock struct{ err error }

func (c *threadClock) read() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		if c.err == nil {
			c.err = err
		}
		return 0
	}
	return time.Duration(ts.Nano())
}
