//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestTimerSlack: serve runs with the configured timer slack (1 ms by
// default) in the process it was started as, under the binary's own name;
// timer_slack = "0" leaves the slack it was started with.
func TestTimerSlack(t *testing.T) {
	own, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		top  string
		want int
	}{{"", int(time.Millisecond)}, {`timer_slack = "250us"`, 250000}, {`timer_slack = "0"`, own}} {
		t.Run(tc.top, func(t *testing.T) {
			dir := t.TempDir()
			smtp := freeAddr(t)
			cfg := fmt.Sprintf("%s\nspool_dir = %q\n[smtp]\nlisten = [%q]\nmin_free_disk = 0\n[admin]\nlisten = %q\n",
				tc.top, filepath.Join(dir, "data"), smtp, freeAddr(t))
			path := filepath.Join(dir, "wasmta.toml")
			if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(binPath, "serve", "--config", path)
			log, err := os.Create(filepath.Join(dir, "wasmta.log"))
			if err != nil {
				t.Fatal(err)
			}
			defer log.Close()
			cmd.Stdout, cmd.Stderr = log, log
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				cmd.Process.Signal(syscall.SIGKILL)
				cmd.Wait()
			}()
			waitListening(t, smtp)
			proc := "/proc/" + strconv.Itoa(cmd.Process.Pid)
			slack, err := os.ReadFile(proc + "/timerslack_ns")
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := strconv.Atoi(strings.TrimSpace(string(slack))); got != tc.want {
				t.Errorf("timer slack %d ns, want %d", got, tc.want)
			}
			comm, _ := os.ReadFile(proc + "/comm")
			if got := strings.TrimSpace(string(comm)); got != filepath.Base(binPath) {
				t.Errorf("process name %q, want %q", got, filepath.Base(binPath))
			}
			env, _ := os.ReadFile(proc + "/environ")
			if tc.want != own && !strings.Contains(string(env), slackEnv+"=1") {
				t.Errorf("no %s in the environment: the slack was not set by executing serve again", slackEnv)
			}
			if want, ok := hugePageTunables(); ok && !strings.Contains(string(env), glibcTunables+"="+want+"\x00") {
				t.Errorf("no %s=%s in the environment of serve", glibcTunables, want)
			}
		})
	}
}

// TestHugePageTunables: glibc's malloc is asked for huge pages when the
// build mallocs through C, the kernel gives them only on request, and the
// environment has not said otherwise; other tunables are kept.
func TestHugePageTunables(t *testing.T) {
	if !cgoMalloc {
		t.Skip("built without cgo: nothing allocates through malloc")
	}
	dir := t.TempDir()
	old := thpEnabled
	defer func() { thpEnabled = old }()
	for _, tc := range []struct {
		mode, env, want string
		ok              bool
	}{
		{"always [madvise] never", "", "glibc.malloc.hugetlb=1", true},
		{"always [madvise] never", "glibc.malloc.arena_max=2", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1", true},
		{"always [madvise] never", "glibc.malloc.hugetlb=0", "", false},
		{"[always] madvise never", "", "", false},
		{"always madvise [never]", "", "", false},
		{"", "", "", false}, // no such file
	} {
		thpEnabled = filepath.Join(dir, "missing")
		if tc.mode != "" {
			thpEnabled = filepath.Join(dir, "enabled")
			if err := os.WriteFile(thpEnabled, []byte(tc.mode+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Setenv(glibcTunables, tc.env)
		got, ok := hugePageTunables()
		if got != tc.want || ok != tc.ok {
			t.Errorf("mode %q, %s=%q: got %q, %v; want %q, %v", tc.mode, glibcTunables, tc.env, got, ok, tc.want, tc.ok)
		}
	}
}
