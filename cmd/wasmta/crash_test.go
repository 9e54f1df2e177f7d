package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
)

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wasmta-bin")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "wasmta")
	// Stamped as the Makefile stamps a release (version_test.go checks
	// where the version shows).
	out, err := exec.Command("go", "build", "-ldflags", "-X main.version="+testVersion, "-o", binPath, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build wasmta: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freeAddr returns a loopback address that was free a moment ago and
// that no earlier call in this process returned: the port is closed
// before the daemon binds it, so the kernel may hand the same one to the
// next listener, and two in one configuration fail it ("admin.listen:
// ... is already used by smtp.listen[0]", seen once in CI).
func freeAddr(t *testing.T) string {
	t.Helper()
	freeAddrs.Lock()
	defer freeAddrs.Unlock()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a := l.Addr().String()
		l.Close()
		if !freeAddrs.given[a] {
			freeAddrs.given[a] = true
			return a
		}
	}
	t.Fatal("no loopback port that was not handed out before")
	return ""
}

var freeAddrs = struct {
	sync.Mutex
	given map[string]bool
}{given: map[string]bool{}}

// daemon is a wasmta process.
type daemon struct {
	cmd  *exec.Cmd
	addr string
	log  *os.File
}

// startDaemon runs the binary with the configuration and waits until it
// accepts SMTP and admin API connections (the admin API starts after the
// engine: a CLI test that only waited for SMTP raced it under load).
func startDaemon(t *testing.T, dir, smtpAddr, cfg string) *daemon {
	t.Helper()
	path := filepath.Join(dir, "wasmta.toml")
	adminAddr := freeAddr(t)
	full := fmt.Sprintf("spool_dir = %q\nhostname = \"mta.test\"\n[smtp]\nlisten = [%q]\nmin_free_disk = 0\n[admin]\nlisten = %q\n%s",
		filepath.Join(dir, "data"), smtpAddr, adminAddr, cfg)
	if err := os.WriteFile(path, []byte(full), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.OpenFile(filepath.Join(dir, "wasmta.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	var before int64 // this run's lines start here: a restart appends to the same log
	if fi, err := logf.Stat(); err == nil {
		before = fi.Size()
	}
	cmd := exec.Command(binPath, "serve", "--config", path)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &daemon{cmd: cmd, addr: smtpAddr, log: logf}
	t.Cleanup(func() { d.kill(); logf.Close() })
	deadline := time.Now().Add(15 * time.Second)
	for _, addr := range []string{smtpAddr, adminAddr} {
		for {
			c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(logf.Name())
				t.Fatalf("wasmta did not listen on %s: %v\nlog:\n%s", addr, err, log)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// The listeners accept before the queues are rebuilt, and the queue
	// commands answer 503 until the rebuild ends: wait for its log line,
	// so that a test's first bounce or xfer does not race it.
	for rebuilt := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		log, _ := os.ReadFile(logf.Name())
		if int64(len(log)) > before && bytes.Contains(log[before:], []byte("queues rebuilt")) {
			break
		}
		if time.Now().After(rebuilt) {
			t.Fatalf("wasmta did not rebuild its queues within a minute\nlog:\n%s", log)
		}
	}
	return d
}

func (d *daemon) kill() {
	if d.cmd.ProcessState == nil {
		d.cmd.Process.Signal(syscall.SIGKILL)
		d.cmd.Wait()
	}
}

func (d *daemon) stop(t *testing.T) {
	t.Helper()
	d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("wasmta exited with %v after SIGTERM", err)
		}
	case <-time.After(15 * time.Second):
		t.Error("wasmta did not stop within 15 s of SIGTERM")
		d.kill()
	}
}

var testIDRe = regexp.MustCompile(`X-Test-Id: (\S+)`)

// acked collects the ids of messages that got a 250.
type acked struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (a *acked) add(id string) {
	a.mu.Lock()
	a.ids[id] = true
	a.mu.Unlock()
}

// submitUntilError sends messages on one connection after another until
// the server goes away or stop closes; it records every 250.
func submitUntilError(addr, prefix string, a *acked, stop <-chan struct{}) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		c, err := smtp.Dial(addr)
		if err != nil {
			return
		}
		for j := 0; j < 20; j++ {
			id := fmt.Sprintf("%s-%d-%d", prefix, i, j)
			body := fmt.Sprintf("Subject: crash\r\nX-Test-Id: %s\r\n\r\n%s\r\n", id, strings.Repeat(strings.Repeat("x", 76)+"\r\n", 26))
			if err := c.SendMail("s@sender.test", []string{"r@dest.test"}, strings.NewReader(body)); err != nil {
				c.Close()
				if _, ok := err.(*smtp.SMTPError); ok {
					break
				}
				return
			}
			a.add(id)
		}
		c.Close()
	}
}

// TestCrashLosesNothing kills wasmta with SIGKILL while clients submit,
// restarts it on the same spool, and checks that every message that got
// "250" reaches the sink at least once.
func TestCrashLosesNothing(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{})
	route := fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%q]\n[queue]\nretry_initial = \"500ms\"\n", sink.Addr())
	for _, killAfter := range []time.Duration{150 * time.Millisecond, 600 * time.Millisecond, 1500 * time.Millisecond} {
		t.Run(killAfter.String(), func(t *testing.T) {
			dir := t.TempDir()
			addr := freeAddr(t)
			before := sink.Count()
			d := startDaemon(t, dir, addr, route)
			a := &acked{ids: map[string]bool{}}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for c := 0; c < 8; c++ {
				wg.Go(func() { submitUntilError(addr, fmt.Sprintf("%s-c%d", killAfter, c), a, stop) })
			}
			time.Sleep(killAfter)
			d.kill()
			close(stop)
			wg.Wait()
			if len(a.ids) == 0 {
				t.Fatal("no message was acknowledged before the kill")
			}
			d2 := startDaemon(t, dir, addr, route)
			missing := waitDelivered(t, sink, before, a.ids, 30*time.Second)
			d2.stop(t)
			if len(missing) > 0 {
				log, _ := os.ReadFile(filepath.Join(dir, "wasmta.log"))
				t.Logf("wasmta log (last 3000 bytes):\n%s", log[max(0, len(log)-3000):])
				t.Fatalf("%d of %d acknowledged messages never delivered, e.g. %v", len(missing), len(a.ids), missing[:min(5, len(missing))])
			}
		})
	}
}

// waitDelivered waits until every id was seen at the sink (among messages
// after index from) and returns the missing ones; it logs duplicates.
func waitDelivered(t *testing.T, sink *testsink.Sink, from int, ids map[string]bool, within time.Duration) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		seen := map[string]int{}
		for _, m := range sink.Messages()[from:] {
			if g := testIDRe.FindSubmatch(m.Data); g != nil {
				seen[string(g[1])]++
			}
		}
		var missing []string
		for id := range ids {
			if seen[id] == 0 {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 || ctx.Err() != nil {
			dups := 0
			for _, n := range seen {
				dups += n - 1
			}
			t.Logf("acknowledged %d, delivered %d distinct, %d duplicates", len(ids), len(seen), dups)
			return missing
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}
