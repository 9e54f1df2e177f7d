package hostabi

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

var goGuest struct {
	once sync.Once
	wasm []byte
	err  error
}

// goGuestWasm builds testdata/goguest with GOOS=wasip1 -buildmode=c-shared
// once per test binary, and keeps the result in the user cache keyed by the
// source hash and Go version, since a cold build takes seconds.
func goGuestWasm(t testing.TB) []byte {
	t.Helper()
	goGuest.once.Do(func() { goGuest.wasm, goGuest.err = buildGoGuest() })
	if goGuest.err != nil {
		t.Fatal(goGuest.err)
	}
	return goGuest.wasm
}

// goGuestCacheDir is a wazero compilation cache kept across test runs:
// compiling the 2.6 MB Go guest takes seconds, loading it from the cache
// milliseconds. wazero keys entries by module hash and its own version.
func goGuestCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "wasmta-test", "wazero")
}

func buildGoGuest() ([]byte, error) {
	src, err := os.ReadFile(filepath.Join("testdata", "goguest", "main.go"))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append(src, runtime.Version()...))
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	out := filepath.Join(dir, "wasmta-test", fmt.Sprintf("goguest-%x.wasm", sum[:8]))
	if b, err := os.ReadFile(out); err == nil {
		return b, nil
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, err
	}
	tmp := out + ".tmp"
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", tmp, "./testdata/goguest")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build goguest: %v\n%s", err, msg)
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

// TestGoGuest runs a module built by the Go toolchain: its WASI imports,
// _initialize, typed results, a Go panic (a fault that closes the
// instance), and a time.Sleep and an endless loop stopped at the deadline.
func TestGoGuest(t *testing.T) {
	th := newTestHost(t, func(c *Config) {
		c.CallTimeout = 500 * time.Millisecond
		c.CacheDir = goGuestCacheDir()
	})
	start := time.Now()
	m, err := th.Load(context.Background(), "acme", goGuestWasm(t))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	t.Logf("Go guest: %d bytes, loaded in %v", m.size, time.Since(start))
	ctx := context.Background()

	r, err := m.Route(ctx, &policy.RouteInput{Domain: "b.test"})
	if err != nil || r.Domain != "mx.b.test" {
		t.Errorf("route: %+v, %v", r, err)
	}
	rc, err := m.OnRcpt(ctx, &policy.RcptInput{Recipient: "reject-me@b.test"})
	if err != nil || rc.Reject == nil || *rc.Reject != (policy.Reply{Code: 550, Enhanced: "5.1.1", Text: "no such user here"}) {
		t.Errorf("on_rcpt: %+v, %v", rc.Reject, err)
	}
	if _, err := m.OnRcpt(ctx, &policy.RcptInput{Recipient: "ok@b.test"}); !errors.Is(err, policy.ErrNotImplemented) {
		t.Errorf("on_rcpt ok: %v, want no opinion", err)
	}
	th.logs.take()
	c, err := m.Classify(ctx, &policy.ClassifyInput{Code: 550})
	if err != nil || c.Category != policy.CategoryInvalidRecipient || c.Action != policy.ActionBounce {
		t.Errorf("classify: %+v, %v", c, err)
	}
	if logs := th.logs.take(); len(logs) != 1 || logs[0] != "classify code 550" {
		t.Errorf("stderr lines %q, want [classify code 550]", logs)
	}
	assertSandbox(t, m)
	assertGoFaults(t, m)
}

// assertSandbox checks what the Go runtime sees through WASI.
func assertSandbox(t *testing.T, m *Module) {
	r, err := m.OnMailFrom(context.Background(), &policy.MailFromInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"env": "0", "args": "0", "clock": "true", "random": "true"}
	for k, v := range want {
		if r.Meta[k] != v {
			t.Errorf("guest %s = %q, want %q", k, r.Meta[k], v)
		}
	}
	for _, k := range []string{"open", "readdir"} {
		if r.Meta[k] == "<nil>" || r.Meta[k] == "" {
			t.Errorf("guest %s succeeded: the sandbox has a filesystem", k)
		}
	}
	t.Logf("guest sees: open: %s; readdir: %s", r.Meta["open"], r.Meta["readdir"])
}

// assertGoFaults checks the Go guest's panic, sleep and endless loop, and
// recovery.
func assertGoFaults(t *testing.T, m *Module) {
	ctx := context.Background()
	_, err := m.SelectPool(ctx, &policy.PoolInput{Tenant: "panic"})
	assertFault(t, err, m, "select_pool", "trap: wasm error: unreachable")
	start := time.Now()
	_, err = m.Shape(ctx, &policy.ShapeInput{Source: "sleep"})
	assertFault(t, err, m, "shape", "deadline exceeded")
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("sleeping Go guest stopped after %v", took)
	}
	start = time.Now()
	_, err = m.Shape(ctx, &policy.ShapeInput{Source: "loop"})
	assertFault(t, err, m, "shape", "deadline exceeded")
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("looping Go guest stopped after %v", took)
	}
	pool, err := m.SelectPool(ctx, &policy.PoolInput{Tenant: "acme"})
	if err != nil || pool != "go-acme" {
		t.Errorf("select_pool after faults: %q, %v", pool, err)
	}
	if s, err := m.Shape(ctx, &policy.ShapeInput{Source: "ip1"}); err != nil || s.MaxConnections != 7 {
		t.Errorf("shape after faults: %+v, %v", s, err)
	}
}
