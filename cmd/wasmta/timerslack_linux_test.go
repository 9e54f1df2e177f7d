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
		})
	}
}
