package hostabi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/wasmta/wasmta/mta/policy"
)

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

// patchCode replaces the first old in a function body of wasm with new,
// resizing the body and the code section.
func patchCode(t *testing.T, wasm, old, new []byte) []byte {
	t.Helper()
	secs, err := splitSections(wasm)
	if err != nil {
		t.Fatal(err)
	}
	dst, patched := append([]byte{}, wasm[:8]...), false
	for _, s := range secs {
		body := s.body
		if s.id == secCode {
			n, k, _ := readU32(body)
			code := appendU32(nil, n)
			for b := body[k:]; len(b) > 0; {
				size, k, _ := readU32(b)
				fn := b[k : k+int(size)]
				if !patched && bytes.Contains(fn, old) {
					fn, patched = bytes.Replace(fn, old, new, 1), true
				}
				code = append(appendU32(code, uint32(len(fn))), fn...)
				b = b[k+int(size):]
			}
			body = code
		}
		dst = appendSection(dst, s.id, body)
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
// the instance, so instrument turns it into an export called under the
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

// TestInstrumentKeepsModulesValid instruments every committed module that
// wazero accepts (the WAT fixtures, the guard fixtures, the Go guest) and
// requires the result to compile, with the start function exported when
// there was one. (newInstance fails on a module without the interrupt
// global, so every other test checks that one.)
func TestInstrumentKeepsModulesValid(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(wazero.NewCompilationCache()))
	defer rt.Close(ctx)
	for name, wasm := range committedModules(t) {
		orig, err := compileRecovering(ctx, rt, wasm)
		if err != nil {
			continue // a fixture of an invalid module
		}
		_ = orig.Close(ctx)
		ins, err := instrument(wasm)
		if name == "reserved.wasm" {
			if err == nil {
				t.Errorf("%s: instrumented, want refused", name)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		cm, err := rt.CompileModule(ctx, ins.wasm)
		if err != nil {
			t.Errorf("%s: instrumented module does not compile: %v", name, err)
			continue
		}
		if _, ok := cm.ExportedFunctions()[startExport]; ok != ins.hasStart {
			t.Errorf("%s: start export %v, want %v", name, ok, ins.hasStart)
		}
		_ = cm.Close(ctx)
	}
}

// committedModules reads the WAT and guard fixtures and the Go guest, by
// file name.
func committedModules(t *testing.T) map[string][]byte {
	var files []string
	for _, glob := range []string{"../testdata/wat/*.wasm", "testdata/guard/*.wasm"} {
		m, _ := filepath.Glob(glob)
		files = append(files, m...)
	}
	modules := map[string][]byte{"goguest": goGuestWasm(t)}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		modules[filepath.Base(f)] = b
	}
	return modules
}

// TestInstrumentBody checks the rewrite of hand-assembled bodies: the
// step check lands right after the locals and after each loop's block
// type, the bulk check before each bulk instruction, and nowhere else.
// The reference types and the SIMD prefix are decoded as wazero does.
func TestInstrumentBody(t *testing.T) {
	check := []byte{0x23, 0x05, 0x04, 0x40, 0x00, 0x0b}
	bulk := []byte{0x23, 0x06, 0x04, 0x40, 0x00, 0x0b}
	with := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	noLocals := []byte{0x00}
	v128 := with([]byte{0xfd, 0x0c}, bytes.Repeat([]byte{0x03}, 16), []byte{0x1a, 0x0b})
	cases := []struct {
		name       string
		code, want []byte
	}{
		{"no loop", []byte{0x00, 0x41, 0x80, 0x01, 0x1a, 0x0b}, with(noLocals, check, []byte{0x41, 0x80, 0x01, 0x1a, 0x0b})},
		{"empty loop", []byte{0x00, 0x03, 0x40, 0x0b, 0x0b}, with(noLocals, check, []byte{0x03, 0x40}, check, []byte{0x0b, 0x0b})},
		{"loop with a type index", []byte{0x00, 0x03, 0x80, 0x01, 0x0b, 0x0b}, with(noLocals, check, []byte{0x03, 0x80, 0x01}, check, []byte{0x0b, 0x0b})},
		{"locals, a 0x03 inside i32.const", []byte{0x01, 0x02, 0x7f, 0x41, 0x03, 0x1a, 0x0b}, with([]byte{0x01, 0x02, 0x7f}, check, []byte{0x41, 0x03, 0x1a, 0x0b})},
		{"v128.const holding 0x03", with(noLocals, v128), with(noLocals, check, v128)},
		{"br_table then loop", []byte{0x00, 0x0e, 0x02, 0x00, 0x01, 0x02, 0x03, 0x40, 0x0b, 0x0b},
			with(noLocals, check, []byte{0x0e, 0x02, 0x00, 0x01, 0x02, 0x03, 0x40}, check, []byte{0x0b, 0x0b})},
		{"block of type (ref null 2), then loop", []byte{0x00, 0x02, 0x63, 0x02, 0x03, 0x40, 0x0b, 0x00, 0x0b, 0x1a, 0x0b},
			with(noLocals, check, []byte{0x02, 0x63, 0x02, 0x03, 0x40}, check, []byte{0x0b, 0x00, 0x0b, 0x1a, 0x0b})},
		{"local of type (ref 3)", []byte{0x01, 0x01, 0x64, 0x03, 0x03, 0x40, 0x0b, 0x0b},
			with([]byte{0x01, 0x01, 0x64, 0x03}, check, []byte{0x03, 0x40}, check, []byte{0x0b, 0x0b})},
		{"select (ref null 3)", []byte{0x00, 0x1c, 0x01, 0x63, 0x03, 0x03, 0x40, 0x0b, 0x0b},
			with(noLocals, check, []byte{0x1c, 0x01, 0x63, 0x03, 0x03, 0x40}, check, []byte{0x0b, 0x0b})},
		{"one-byte SIMD sub-opcode", []byte{0x00, 0xfd, 0x80, 0x02, 0x40, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, 0x0b},
			with(noLocals, check, []byte{0xfd, 0x80, 0x02, 0x40, 0x03, 0x40}, check, []byte{0x0c, 0x00, 0x0b, 0x0b, 0x0b})},
		{"memory.fill, memory.copy, table.fill, not data.drop", []byte{0x00, 0xfc, 0x0b, 0x00, 0xfc, 0x0a, 0x00, 0x00, 0xfc, 0x11, 0x00, 0xfc, 0x09, 0x00, 0x0b},
			with(noLocals, check, bulk, []byte{0xfc, 0x0b, 0x00}, bulk, []byte{0xfc, 0x0a, 0x00, 0x00}, bulk, []byte{0xfc, 0x11, 0x00, 0xfc, 0x09, 0x00, 0x0b})},
	}
	c := checks{step: check, bulk: bulk, globals: 5}
	for _, tc := range cases {
		got, err := instrumentBody(nil, tc.code, c)
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("%s: got % x, %v\nwant % x", tc.name, got, err, tc.want)
		}
	}
	for _, bad := range [][]byte{{0x00, 0x06, 0x0b}, {0x00, 0x41}, {0x00, 0xfd, 0x0c, 0x01}, {0x00, 0xfc, 0x20}, {0x05},
		{0x00, 0x23, 0x05, 0x0b}, {0x00, 0x41, 0x00, 0x24, 0x06, 0x0b}} { // the guard's globals
		if got, err := instrumentBody(nil, bad, c); err == nil {
			t.Errorf("% x: instrumented as % x, want an error", bad, got)
		}
	}
}

// FuzzInstrument: whatever the bytes, instrument never panics, and a
// module wazero accepts stays one it accepts once instrumented.
func FuzzInstrument(f *testing.F) {
	seeds, _ := filepath.Glob("../testdata/wat/*.wasm")
	guard, _ := filepath.Glob("testdata/guard/*.wasm")
	for _, s := range append(seeds, guard...) {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	f.Fuzz(func(t *testing.T, wasm []byte) {
		ins, err := instrument(wasm)
		if err != nil {
			return
		}
		orig, err := compileRecovering(ctx, rt, wasm)
		if err != nil {
			return
		}
		_ = orig.Close(ctx)
		cm, err := compileRecovering(ctx, rt, ins.wasm)
		if err != nil {
			t.Fatalf("valid module invalid once instrumented: %v", err)
		}
		_ = cm.Close(ctx)
	})
}

// compileRecovering: some invalid modules make wazero panic (see
// Host.compile).
func compileRecovering(ctx context.Context, rt wazero.Runtime, wasm []byte) (cm wazero.CompiledModule, err error) {
	defer func() {
		if r := recover(); r != nil {
			cm, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	return rt.CompileModule(ctx, wasm)
}

// BenchmarkInstrument rewrites the Go guest (2 MB, the Go runtime's
// loops): what the guard adds to every load before compilation.
func BenchmarkInstrument(b *testing.B) {
	wasm := goGuestWasm(b)
	b.SetBytes(int64(len(wasm)))
	for b.Loop() {
		if _, err := instrument(wasm); err != nil {
			b.Fatal(err)
		}
	}
}
