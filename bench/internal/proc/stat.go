package proc

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of the CPU times in /proc/PID/stat. It is
// 100 on every Linux architecture Go supports.
const clockTick = 100

// Stat is what /proc/PID/stat says about one process.
type Stat struct {
	PID, PPID    int
	Comm         string
	User, System time.Duration // this process (all its threads)
	ChildUser    time.Duration // children it has waited for
	ChildSystem  time.Duration
	MinFlt       int64 // minor page faults of this process (all its threads)
}

// CPU is the process's own CPU time, user plus system.
func (s Stat) CPU() time.Duration { return s.User + s.System }

// ChildCPU is the CPU time of the children it has reaped.
func (s Stat) ChildCPU() time.Duration { return s.ChildUser + s.ChildSystem }

// ReadStat reads /proc/PID/stat.
func ReadStat(pid int) (Stat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Stat{}, fmt.Errorf("proc: stat %d: %w", pid, err)
	}
	return ParseStat(b)
}

// ParseStat parses the contents of a /proc/PID/stat file. The command name
// is in parentheses and may itself hold spaces and parentheses, so fields
// are counted from the last ')'.
func ParseStat(b []byte) (Stat, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 1 || end < open {
		return Stat{}, fmt.Errorf("proc: stat: no (comm) in %q", b)
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil {
		return Stat{}, fmt.Errorf("proc: stat: pid: %w", err)
	}
	// After ")": state(3) ppid(4) ... minflt(10) ... utime(14) stime(15) cutime(16) cstime(17).
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 15 {
		return Stat{}, fmt.Errorf("proc: stat: %d fields after comm, want at least 15", len(f))
	}
	var v [6]int64
	for i, idx := range []int{1, 11, 12, 13, 14, 7} {
		if v[i], err = strconv.ParseInt(f[idx], 10, 64); err != nil {
			return Stat{}, fmt.Errorf("proc: stat: field %d: %w", idx+3, err)
		}
	}
	tick := func(n int64) time.Duration { return time.Duration(n) * time.Second / clockTick }
	return Stat{PID: pid, PPID: int(v[0]), Comm: string(b[open+1 : end]),
		User: tick(v[1]), System: tick(v[2]), ChildUser: tick(v[3]), ChildSystem: tick(v[4]), MinFlt: v[5]}, nil
}

// Memory is what /proc/PID/status says about resident memory, in bytes.
type Memory struct {
	RSS, HWM int64 // VmRSS now, VmHWM (peak RSS)
}

// ReadMemory reads VmRSS and VmHWM of a process.
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, fmt.Errorf("proc: status %d: %w", pid, err)
	}
	return Memory{RSS: kbField(b, "VmRSS:"), HWM: kbField(b, "VmHWM:")}, nil
}

// ReadPss reads the proportional set size of a process (shared pages
// divided among the processes that map them), so that the sum over the
// processes of one program counts its shared libraries once.
func ReadPss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, fmt.Errorf("proc: smaps_rollup %d: %w", pid, err)
	}
	return kbField(b, "Pss:"), nil
}

// kbField returns the value of a "Key:   1234 kB" line, in bytes.
func kbField(b []byte, key string) int64 {
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		if !bytes.HasPrefix(line, []byte(key)) {
			continue
		}
		f := strings.Fields(string(line[len(key):]))
		if len(f) == 0 {
			return 0
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		return n * 1024
	}
	return 0
}

// Tree returns root and every live descendant of it.
func Tree(root int) []Stat {
	all := allStats()
	children := map[int][]Stat{}
	var out []Stat
	for _, s := range all {
		children[s.PPID] = append(children[s.PPID], s)
		if s.PID == root {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i].PID]...)
	}
	return out
}

func allStats() []Stat {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	out := make([]Stat, 0, len(dirs))
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		if s, err := ReadStat(pid); err == nil {
			out = append(out, s)
		}
	}
	return out
}

// TreeCPU is the CPU time used by root and its descendants so far: the
// live processes' own time plus what root and they have reaped from
// children that already exited. Differences of two readings give the CPU
// a process tree spent between them, even when workers come and go.
func TreeCPU(root int) time.Duration {
	var d time.Duration
	for _, s := range Tree(root) {
		d += s.CPU() + s.ChildCPU()
	}
	return d
}

// TreePss sums the proportional set size of root and its descendants.
func TreePss(root int) int64 {
	var n int64
	for _, s := range Tree(root) {
		if p, err := ReadPss(s.PID); err == nil {
			n += p
		}
	}
	return n
}
