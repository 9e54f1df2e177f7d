package main

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/engine"
)

// controlAPI starts an engine and its admin API with the live-action
// endpoints, in process.
func controlAPI(t *testing.T) (*engine.Engine, []string) {
	t.Helper()
	cfg, err := config.Parse([]byte("spool_dir = \"" + t.TempDir() + "\"\n[smtp]\nlisten = [\"127.0.0.1:0\"]\nmin_free_disk = 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(cfg, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	srv := admin.New(admin.Options{Engine: e, Token: adminToken})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return e, []string{"--admin", ts.URL, "--token", adminToken}
}

// stdout runs f and returns what it printed.
func stdout(t *testing.T, f func() error) (string, error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	ferr := f()
	os.Stdout = old
	w.Close()
	b, _ := io.ReadAll(r)
	return string(b), ferr
}

func TestControlCommands(t *testing.T) {
	e, api := controlAPI(t)
	with := func(args ...string) []string { return append(args, api...) }
	run := func(f func([]string) error, args ...string) string {
		t.Helper()
		out, err := stdout(t, func() error { return f(with(args...)) })
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out
	}
	out := run(suspendCommand, "--source", "ip1", "--site", "mx.yahoo.test", "--for", "1h", "--reason", "complaints")
	if !strings.Contains(out, "suspend site=mx.yahoo.test source=ip1 -: started") {
		t.Fatalf("suspend printed %q", out)
	}
	out = run(shapeCommand, "set", "--provider", "google", "--rate", "5/s", "--rate", "1000/h", "--max-conns", "2", "--for", "30m", "--reason", "warm-up")
	id := regexp.MustCompile(`^(\S+) shape provider=google rate=5/s rate=1000/h conns=2: started`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("shape set printed %q", out)
	}
	out = run(actionsCommand, "list")
	if !strings.Contains(out, "provider=google") || !strings.Contains(out, "site=mx.yahoo.test source=ip1") || !strings.Contains(out, "admin") {
		t.Fatalf("actions list printed\n%s", out)
	}
	if out = run(resumeCommand, "--site", "mx.yahoo.test", "--reason", "fixed"); !strings.Contains(out, "ended") {
		t.Fatalf("resume printed %q", out)
	}
	if out = run(actionsCommand, "cancel", id[1]); !strings.Contains(out, id[1]+" shape provider=google ended") {
		t.Fatalf("actions cancel printed %q", out)
	}
	if out = run(actionsCommand, "list"); !strings.Contains(out, "no active action") {
		t.Fatalf("actions list after cancelling everything printed %q", out)
	}
	if n := len(e.Shaping().List()); n != 0 {
		t.Fatalf("%d actions still active", n)
	}
}

func TestControlCommandsRefuse(t *testing.T) {
	_, api := controlAPI(t)
	cases := [][]string{
		{"--site", "s", "--reason", "r"}, // no --for
		{"--site", "s", "--for", "1h"},   // no --reason
		{"--for", "1h", "--reason", "r"}, // covers nothing
	}
	for _, args := range cases {
		if _, err := stdout(t, func() error { return suspendCommand(append(args, api...)) }); err == nil {
			t.Errorf("suspend %v: no error", args)
		}
	}
	if _, err := stdout(t, func() error {
		return shapeCommand(append([]string{"set", "--site", "s", "--for", "1h", "--reason", "r"}, api...))
	}); err == nil || !strings.Contains(err.Error(), "at least one limit") {
		t.Errorf("shape set without a limit: %v", err)
	}
	if _, err := stdout(t, func() error { return actionsCommand(append([]string{"cancel", "nope"}, api...)) }); err == nil {
		t.Error("cancelling an unknown action: no error")
	}
}

// TestSuspendAndResumeTheRealDaemon drives the binary: `wasmta suspend`
// holds a site's mail in a running daemon, `wasmta actions list` shows
// the suspension, `wasmta resume` releases the mail within a second.
func TestSuspendAndResumeTheRealDaemon(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{})
	dir := t.TempDir()
	d := startDaemon(t, dir, freeAddr(t), fmt.Sprintf("token = %q\n[[route]]\ndomain = \"*\"\nhosts = [%q]\n", adminToken, sink.Addr()))
	defer d.stop(t)
	conf := filepath.Join(dir, "wasmta.toml")
	site := "route:" + sink.Addr()
	out := cli(t, 0, nil, "suspend", "--site", site, "--for", "1h", "--reason", "provider maintenance", "--config", conf)
	if !strings.Contains(out, "started") {
		t.Fatalf("suspend: %s", out)
	}
	if err := sendPlain(d.addr, []string{"a@one.test"}, "Subject: held\r\n\r\nhello\r\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if sink.Count() != 0 {
		t.Fatal("delivered while the site was suspended")
	}
	if out := cli(t, 0, nil, "actions", "list", "--config", conf); !strings.Contains(out, "site="+site) || !strings.Contains(out, "provider maintenance") {
		t.Fatalf("actions list:\n%s", out)
	}
	resumed := time.Now()
	if out := cli(t, 0, nil, "resume", "--site", site, "--config", conf); !strings.Contains(out, "ended") {
		t.Fatalf("resume: %s", out)
	}
	if err := sink.WaitCount(waitCtx(t, 5*time.Second), 1); err != nil {
		t.Fatal(err)
	}
	t.Logf("delivered %v after resume (CLI run included)", time.Since(resumed).Round(time.Millisecond))
	if out := cli(t, 0, nil, "actions", "list", "--config", conf); !strings.Contains(out, "no active action") {
		t.Fatalf("actions list after resume:\n%s", out)
	}
}

func waitCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
