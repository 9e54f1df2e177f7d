package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
)

// TestReloadDaemon edits the file of a running daemon: `wasmta reload`
// puts a new route and message size limit in force and names the key
// that needs a restart; a broken file, by `wasmta reload` or SIGHUP, is
// refused naming the key, and the running configuration stays.
func TestReloadDaemon(t *testing.T) {
	a, b := testsink.Start(t, testsink.Options{}), testsink.Start(t, testsink.Options{})
	dir := t.TempDir()
	route := func(s *testsink.Sink) string {
		return fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%q]\n", s.Addr())
	}
	d := startDaemon(t, dir, freeAddr(t), fmt.Sprintf("token = %q\n", adminToken)+route(a))
	defer d.stop(t)
	conf := filepath.Join(dir, "wasmta.toml")
	env := []string{"WASMTA_ADMIN_TOKEN=" + adminToken}
	orig, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	rewrite := func(from, to string) {
		t.Helper()
		data := strings.Replace(string(orig), from, to, 1)
		if data == string(orig) {
			t.Fatalf("%q not in the file", from)
		}
		if err := os.WriteFile(conf, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sendTo := func(sink *testsink.Sink, want int) {
		t.Helper()
		if err := sendPlain(d.addr, []string{"r@example.test"}, "Subject: reload\r\n\r\nhi\r\n"); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := sink.WaitCount(ctx, want); err != nil {
			t.Fatalf("sink %s got %d messages, want %d: %v", sink.Addr(), sink.Count(), want, err)
		}
	}
	sendTo(a, 1)

	admin := "http://" + adminAddr(t, dir)
	orig = []byte(strings.Replace(string(orig), "min_free_disk = 0\n", "min_free_disk = 0\nmax_message_size = \"2KiB\"\n", 1))
	// spool_dir changes too: it needs a restart.
	orig = []byte(strings.Replace(string(orig), "spool_dir = ", "spool_dir = \"/elsewhere\"\n#", 1))
	// A webhook added by the reload is in force at once.
	rewrite(route(a), route(b)+"[[webhook]]\nname = \"added-by-reload\"\nurl = \"http://127.0.0.1:9/hook\"\n")
	out := cli(t, 0, env, "reload", "--admin", admin)
	if ws := cli(t, 0, env, "webhook", "status", "--admin", admin); !strings.Contains(ws, "added-by-reload") {
		t.Errorf("wasmta webhook status after the reload: %q, want the added webhook", ws)
	}
	for _, want := range []string{"route", "smtp", "needs restart (the running value stays): spool_dir"} {
		if !strings.Contains(out, want) {
			t.Errorf("wasmta reload printed %q, want %q in it", out, want)
		}
	}
	sendTo(b, 1)
	big := "Subject: big\r\n\r\n" + strings.Repeat(strings.Repeat("x", 70)+"\r\n", 64)
	if err := sendPlain(d.addr, []string{"r@example.test"}, big); err == nil || !strings.Contains(err.Error(), "552") {
		t.Fatalf("a 4.5 KiB message after the reload: %v, want 552", err)
	}

	rewrite(route(a), route(a)+"[delivery]\nmax_connections_per_path = \"many\"\n")
	out = cli(t, 1, env, "reload", "--admin", admin)
	if !strings.Contains(out, "max_connections_per_path") || !strings.Contains(out, "422") {
		t.Fatalf("wasmta reload of a broken file printed %q, want a 422 naming delivery.max_connections_per_path", out)
	}
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, filepath.Join(dir, "wasmta.log"), "reload on SIGHUP refused")
	sendTo(b, 2) // still the route of the last good file
	if a.Count() != 1 {
		t.Fatalf("sink a got %d messages after the refused reloads, want 1", a.Count())
	}
}

// waitLog waits until the daemon's log holds text.
func waitLog(t *testing.T, path, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(path)
		if strings.Contains(string(data), text) {
			if !strings.Contains(string(data), "max_connections_per_path") {
				t.Errorf("the log does not name the bad key:\n%s", data)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log:\n%s", text, data)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
