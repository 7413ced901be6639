//go:build unix

package corebench

import (
	"syscall"
	"time"
)

// processCPUTime returns the CPU time, user and system, that the process
// has used so far, over all its threads (the garbage collector's too).
func processCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
