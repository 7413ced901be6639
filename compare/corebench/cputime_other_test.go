//go:build !unix

package corebench

import "time"

// processCPUTime reports that this system's CPU time is not measured.
func processCPUTime() (time.Duration, bool) { return 0, false }
