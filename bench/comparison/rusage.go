package comparison

import (
	"fmt"
	"syscall"
	"time"
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
