package hostabi

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testwasm"
	"github.com/wasmta/wasmta/mta/policy"
)

// The deadline guard at work: the modules of testdata/guard (see
// internal/guard for the rewrite itself) run under a deadline.

func guardFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "guard", name+".wasm"))
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return b
}

// withTimeout fails the test if f does not return within limit: a guard
// that misses a loop would otherwise hang the test binary until its own
// timeout, with no useful message.
func withTimeout(t *testing.T, limit time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("still running after %v: the loop was not interrupted", limit)
	}
}

// TestGuardStopsUnboundedCode runs guests that never return when the
// tenant is "evil", and requires each call to end with the deadline fault,
// the instance discarded, and the next call served. manyops has one loop
// after every kind of instruction immediate the rewriter must skip, the
// last one infinite: a misread immediate would make the module invalid
// (refused at load) or leave the last loop unchecked. recursion has no
// loop at all: its 2^60 calls are stopped by the check at function entry.
// refblock and simdbyte, patched as their headers say, hide their loop
// from a rewriter that decodes an instruction differently from wazero.
func TestGuardStopsUnboundedCode(t *testing.T) {
	th := newTestHost(t, func(c *Config) { c.CallTimeout = 50 * time.Millisecond })
	for _, tc := range []struct {
		fixture  string
		old, new []byte // a patch of the code section
	}{
		{"manyops", nil, nil},
		{"recursion", nil, nil},
		{"refblock", []byte{0x02, 0x70}, []byte{0x02, 0x63, 0x02}},
		{"simdbyte", []byte{0xfd, 0x80, 0x01, 0x02}, []byte{0xfd, 0x80, 0x02}},
		{"bulkfill", nil, nil},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			wasm := guardFixture(t, tc.fixture)
			if tc.old != nil {
				wasm = patchCode(t, wasm, tc.old, tc.new)
			}
			m, err := th.Load(context.Background(), "acme", wasm)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			before := m.pool.live()
			withTimeout(t, 20*time.Second, func() {
				assertFault(t, callHook(m, "route", "evil", ""), m, "route", "deadline exceeded")
			})
			if after := m.pool.live(); after != before-1 {
				t.Errorf("instances %d -> %d, want the stopped one discarded", before, after)
			}
			if err := callHook(m, "route", "good", ""); !errors.Is(err, policy.ErrNotImplemented) {
				t.Errorf("next call: %v, want no opinion", err)
			}
		})
	}
}

// TestGuardStopsLoopPastMaxInline: past its first checks a function's
// checks are calls of a helper (internal/guard/blocks.go), which stop a
// loop as well.
func TestGuardStopsLoopPastMaxInline(t *testing.T) {
	th := newTestHost(t, func(c *Config) { c.CallTimeout = 50 * time.Millisecond })
	forever := []byte{0x03, 0x40, 0x0c, 0x00, 0x0b} // loop br 0 end
	m, err := th.Load(context.Background(), "acme", testwasm.Loops(1000, forever...))
	if err == nil {
		m.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") {
		t.Errorf("load: %v, want refused by the deadline of its dry run", err)
	}
}

// patchCode replaces the first old in a function body of wasm with new,
// resizing the body and the code section. (LEB128 numbers of up to 32
// bits are what encoding/binary calls uvarints.)
func patchCode(t *testing.T, wasm, old, new []byte) []byte {
	t.Helper()
	dst, patched := append([]byte{}, wasm[:8]...), false
	for b := wasm[8:]; len(b) > 0; {
		id := b[0]
		size, k := binary.Uvarint(b[1:])
		body := b[1+k : 1+k+int(size)]
		b = b[1+k+int(size):]
		if id == 10 && !patched { // the code section
			n, k := binary.Uvarint(body)
			code := binary.AppendUvarint(nil, n)
			for fns := body[k:]; len(fns) > 0; {
				size, k := binary.Uvarint(fns)
				fn := fns[k : k+int(size)]
				if !patched && bytes.Contains(fn, old) {
					fn, patched = bytes.Replace(fn, old, new, 1), true
				}
				code = append(binary.AppendUvarint(code, uint64(len(fn))), fn...)
				fns = fns[k+int(size):]
			}
			body = code
		}
		dst = append(binary.AppendUvarint(append(dst, id), uint64(len(body))), body...)
	}
	if !patched {
		t.Fatalf("no % x in the code", old)
	}
	return dst
}

// TestGuardStopsLoopsOnEveryP loops on more instances than there are Ps
// while the collector runs. Native code cannot be preempted: a guard that
// never left it for Go would hold every P, so neither the stop-the-world
// of a GC nor the timers that stop the calls could ever run.
func TestGuardStopsLoopsOnEveryP(t *testing.T) {
	n := runtime.GOMAXPROCS(0) + 1
	th := newTestHost(t, func(c *Config) {
		c.CallTimeout = 50 * time.Millisecond
		c.Instances = n
	})
	m := th.load(t, "acme", "loop")
	withTimeout(t, 30*time.Second, func() {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { errs[i] = callHook(m, "route", "evil", "") })
		}
		stop := make(chan struct{})
		gcDone := make(chan struct{})
		go func() {
			defer close(gcDone)
			for {
				select {
				case <-stop:
					return
				default:
					runtime.GC()
				}
			}
		}()
		wg.Wait()
		close(stop)
		<-gcDone
		for _, err := range errs {
			assertFault(t, err, m, "route", "deadline exceeded")
		}
	})
}

// TestGuardStopsStartFunction: a start function runs before the host holds
// the instance, so the guard turns it into an export called under the
// initialisation deadline; one that never returns refuses the module.
func TestGuardStopsStartFunction(t *testing.T) {
	th := newTestHost(t, func(c *Config) { c.InitTimeout = 50 * time.Millisecond })
	withTimeout(t, 20*time.Second, func() {
		_, err := th.Load(context.Background(), "acme", guardFixture(t, "startloop"))
		want := "hostabi: invalid module: dry run of route: instantiate: deadline exceeded"
		if err == nil || err.Error() != want {
			t.Errorf("load: %v, want %s", err, want)
		}
	})
}

// TestGuardRefusesGuardGlobals: globalfuel, patched to refill the $fuel
// the guard adds, would validate once instrumented and never be stopped.
func TestGuardRefusesGuardGlobals(t *testing.T) {
	th := newTestHost(t, nil)
	wasm := patchCode(t, guardFixture(t, "globalfuel"), []byte{0x24, 0x00, 0x0c, 0x00}, []byte{0x24, 0x02, 0x0c, 0x00})
	_, err := th.Load(context.Background(), "acme", wasm)
	if err == nil || !errors.Is(err, ErrInvalidModule) || !strings.Contains(err.Error(), "global") {
		t.Errorf("load: %v, want refused for its global index", err)
	}
}

// TestLoadRefusesWazeroPanic: badimport (found by FuzzInstrument) imports
// a function of a type index past the type section, and wazero 1.12
// panics validating it: Load must refuse it, not crash.
func TestLoadRefusesWazeroPanic(t *testing.T) {
	th := newTestHost(t, nil)
	_, err := th.Load(context.Background(), "acme", guardFixture(t, "badimport"))
	if !errors.Is(err, ErrInvalidModule) || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("load: %v, want refused", err)
	}
}

func TestGuardRefusesReservedExport(t *testing.T) {
	th := newTestHost(t, nil)
	_, err := th.Load(context.Background(), "acme", guardFixture(t, "reserved"))
	want := `hostabi: invalid module: deadline guard: export name "wasmta:interrupt" is reserved by the host`
	if err == nil || err.Error() != want {
		t.Errorf("load: %v, want %s", err, want)
	}
}

// TestGuardStopsLoopAfterWatchdogSlept: the watchdog's goroutine sleeps
// after watchdogIdleTicks ticks without a call, and the first call after
// that must wake it, or a loop in that call would never be stopped.
func TestGuardStopsLoopAfterWatchdogSlept(t *testing.T) {
	th := newTestHost(t, func(c *Config) { c.CallTimeout = 5 * time.Millisecond })
	m, err := th.Load(context.Background(), "acme", guardFixture(t, "manyops"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	w := th.watch
	for range 3 {
		deadline := time.Now().Add(20 * time.Second)
		for !w.sleeping.Load() {
			if time.Now().After(deadline) {
				t.Fatal("the watchdog never went to sleep")
			}
			time.Sleep(time.Millisecond)
		}
		withTimeout(t, 20*time.Second, func() {
			assertFault(t, callHook(m, "route", "evil", ""), m, "route", "deadline exceeded")
		})
	}
}
