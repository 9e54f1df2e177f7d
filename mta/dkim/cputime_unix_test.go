//go:build unix

package dkim

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used. Benchmarks report it per
// operation beside ns/op because on a shared machine the wall clock also
// counts the time spent waiting for a core.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
