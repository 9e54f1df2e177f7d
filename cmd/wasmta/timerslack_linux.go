//go:build linux

package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// slackEnv marks the process tuneProcess re-executed, so that it never
// does so twice.
const slackEnv = "WASMTA_TIMER_SLACK_SET"

// tuneProcess gives the process what only a fresh exec can: a timer slack
// of d (config timer_slack) on every thread, and transparent huge pages for
// glibc's malloc (hugePageTunables). It re-executes the program at most
// once, at start, before anything is opened, and only when one of the two
// is missing.
//
// The timer slack: the kernel may end a sleep or a timed wait up to d
// late, and coalesce the wakeups that fall within it. The Go runtime's
// monitor thread (sysmon) sleeps 20 µs at a time while the process is
// busy, and a relay under load is busy all the time: with the default
// slack of 50 µs that is about 10,000 wakeups a second, about a tenth of
// the CPU of relaying a message on a 2-CPU virtual machine; with 1 ms,
// about 1,000. What it may delay by d: the runtime taking a CPU back from
// a goroutine blocked in a system call (an fsync), and timers (deadlines,
// retries, rates), none of which needs finer than a millisecond.
//
// A thread's slack is inherited by the threads it creates, and the runtime
// has created its threads before main runs, so the only way to give it to
// all of them is to set it on this thread and execute the program again
// (same process, same arguments and environment). glibc reads its
// tunables once, when the program is loaded, so the huge-page tunable
// needs the same exec. It returns an error only when that exec failed; the
// process then runs on as it was.
func tuneProcess(d time.Duration) error {
	if os.Getenv(slackEnv) != "" {
		os.Unsetenv(slackEnv)
		return nil
	}
	tunables, huge := hugePageTunables()
	cur, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	slack := d > 0 && err == nil && time.Duration(cur) != d
	if !slack && !huge {
		return nil
	}
	runtime.LockOSThread() // the exec must come from the thread the slack is set on
	defer runtime.UnlockOSThread()
	if slack {
		if err := unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(d), 0, 0, 0); err != nil && !huge {
			return nil
		}
	}
	// The binary's own path, not /proc/self/exe, whose base name would
	// become the process's name ("exe" in ps and top).
	exe, err := os.Executable()
	if err != nil {
		exe = "/proc/self/exe"
	}
	env := make([]string, 0, len(os.Environ())+2)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, glibcTunables+"=") {
			env = append(env, kv)
		}
	}
	if tunables != "" {
		env = append(env, glibcTunables+"="+tunables)
	}
	env = append(env, slackEnv+"=1")
	err = syscall.Exec(exe, os.Args, env)
	if slack {
		unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(cur), 0, 0, 0)
	}
	return fmt.Errorf("serve: timer_slack %v, %s: exec: %w", d, glibcTunables, err)
}

const (
	glibcTunables = "GLIBC_TUNABLES"
	hugeTunable   = "glibc.malloc.hugetlb"
)

// thpEnabled is the kernel's transparent huge page mode (a variable for
// tests).
var thpEnabled = "/sys/kernel/mm/transparent_hugepage/enabled"

// hugePageTunables returns GLIBC_TUNABLES with glibc.malloc.hugetlb=1
// added, and whether that is needed: the build allocates through C's
// malloc (Pebble's memtables and block cache, with cgo), the kernel gives
// transparent huge pages only to memory that asks for them ("madvise"),
// and the environment does not already say what malloc should do (set
// glibc.malloc.hugetlb=0 there to keep small pages).
//
// With it, malloc asks for huge pages (madvise MADV_HUGEPAGE) on the
// memory it maps, so a memtable's arena is faulted in 2 MiB at a time
// instead of 4 KiB: a fresh arena took about one page fault per 4 KiB
// message relayed, until Pebble recycles arenas (after its memtables have
// grown to full size, about 64 MiB of writes). docs/RATIONALE.md, "Huge
// pages for the memtables".
func hugePageTunables() (string, bool) {
	if !cgoMalloc {
		return "", false
	}
	cur := os.Getenv(glibcTunables)
	if strings.Contains(cur, hugeTunable+"=") {
		return "", false
	}
	mode, err := os.ReadFile(thpEnabled)
	if err != nil || !strings.Contains(string(mode), "[madvise]") {
		return "", false
	}
	if cur == "" {
		return hugeTunable + "=1", true
	}
	return cur + ":" + hugeTunable + "=1", true
}
