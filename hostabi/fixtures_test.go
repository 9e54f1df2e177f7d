package hostabi

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// generousDeadline replaces the 5 ms default in tests that are not about
// deadlines. The deadline is wall-clock time: on a machine running other
// work, a thread descheduled for 5 ms faults a trivial call (seen at a
// load average of 16-22 on 2 cores, single-threaded and parallel alike).
const generousDeadline = time.Second

// watFixture reads testdata/wat/NAME.wasm (built from NAME.wat by
// testdata/wat/Makefile and committed, so tests need no toolchain).
func watFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "wat", name+".wasm"))
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return b
}

// logRecorder is a slog.Handler that keeps the messages it receives.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *logRecorder) WithGroup(string) slog.Handler            { return r }
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, rec.Message)
	return nil
}

// take returns and forgets the messages received so far.
func (r *logRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.lines
	r.lines = nil
	return out
}

// faultRecorder keeps what Config.Faults was told.
type faultRecorder struct {
	mu     sync.Mutex
	faults []string // "tenant hook version: err"
}

func (f *faultRecorder) record(tenant, hook, version string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, tenant+" "+hook+" "+version+": "+err.Error())
}

func (f *faultRecorder) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.faults
	f.faults = nil
	return out
}

// testHost is a Host with recorders for its log and faults.
type testHost struct {
	*Host
	logs   *logRecorder
	faults *faultRecorder
}

// newTestHost starts a Host for one test; mutate adjusts the Config.
func newTestHost(t testing.TB, mutate func(*Config)) *testHost {
	t.Helper()
	th := &testHost{logs: &logRecorder{}, faults: &faultRecorder{}}
	// generousDeadline unless the test sets one: see its comment.
	cfg := Config{Logger: slog.New(th.logs), Faults: th.faults.record, Instances: 4, CallTimeout: generousDeadline}
	if mutate != nil {
		mutate(&cfg)
	}
	h, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close(context.Background()) })
	th.Host = h
	return th
}

// load loads a WAT fixture and fails the test on refusal.
func (th *testHost) load(t testing.TB, tenant, fixture string) *Module {
	t.Helper()
	m, err := th.Load(context.Background(), tenant, watFixture(t, fixture))
	if err != nil {
		t.Fatalf("load %s: %v", fixture, err)
	}
	t.Cleanup(m.Close)
	return m
}

// guestLines keeps the log lines that look like echo output (contain = or !).
func guestLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.ContainsAny(l, "=!") && !strings.HasPrefix(l, "policy") {
			out = append(out, l)
		}
	}
	return out
}
