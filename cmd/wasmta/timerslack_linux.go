//go:build linux

package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// slackEnv marks the process timerSlack re-executed, so that it never
// does so twice.
const slackEnv = "WASMTA_TIMER_SLACK_SET"

// timerSlack gives the process a timer slack of d (config timer_slack): the
// kernel may then end a sleep or a timed wait up to d late, and coalesce
// the wakeups that fall within it. The Go runtime's monitor thread (sysmon)
// sleeps 20 µs at a time while the process is busy, and a relay under load
// is busy all the time: with the default slack of 50 µs that is about
// 10,000 wakeups a second, about a tenth of the CPU of relaying a message
// on a 2-CPU virtual machine; with 1 ms, about 1,000. What it may delay by
// d: the runtime taking a CPU back from a goroutine blocked in a system
// call (an fsync), and timers (deadlines, retries, rates), none of which
// needs finer than a millisecond.
//
// A thread's slack is inherited by the threads it creates, and the runtime
// has created its threads before main runs, so the only way to give it to
// all of them is to set it on this thread and execute the program again
// (same process, same arguments and environment); that happens once, at
// start, before anything is opened. It returns an error only when that
// exec failed; the process then runs on with its slack as it was.
func timerSlack(d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if os.Getenv(slackEnv) != "" {
		os.Unsetenv(slackEnv)
		return nil
	}
	cur, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil || time.Duration(cur) == d {
		return nil
	}
	runtime.LockOSThread() // the exec must come from the thread the slack is set on
	defer runtime.UnlockOSThread()
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(d), 0, 0, 0); err != nil {
		return nil
	}
	// The binary's own path, not /proc/self/exe, whose base name would
	// become the process's name ("exe" in ps and top).
	exe, err := os.Executable()
	if err != nil {
		exe = "/proc/self/exe"
	}
	env := append(os.Environ(), slackEnv+"=1")
	err = syscall.Exec(exe, os.Args, env)
	unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(cur), 0, 0, 0)
	return fmt.Errorf("serve: timer_slack %v: exec: %w", d, err)
}
