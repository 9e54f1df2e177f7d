package guard

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tetratelabs/wazero"
)

// fixtureGlobs are the committed modules: the WAT fixtures of the
// repository and the guard's own, which hostabi's tests run under a
// deadline.
var fixtureGlobs = []string{"../../../testdata/wat/*.wasm", "../../testdata/guard/*.wasm"}

// TestInstrumentKeepsModulesValid instruments every committed module that
// wazero accepts (the WAT fixtures and the guard fixtures; hostabi's tests
// load the Go guest through Instrument) and requires the result to
// compile, with the start function exported when there was one. (hostabi's
// newInstance fails on a module without the interrupt global, so every
// test there checks that one.)
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
		ins, err := Instrument(wasm, Limits{})
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
		cm, err := rt.CompileModule(ctx, ins.Wasm)
		if err != nil {
			t.Errorf("%s: instrumented module does not compile: %v", name, err)
			continue
		}
		if _, ok := cm.ExportedFunctions()[StartExport]; ok != ins.HasStart {
			t.Errorf("%s: start export %v, want %v", name, ok, ins.HasStart)
		}
		_ = cm.Close(ctx)
	}
}

// committedModules reads the WAT and guard fixtures, by file name.
func committedModules(t *testing.T) map[string][]byte {
	var files []string
	for _, glob := range fixtureGlobs {
		m, _ := filepath.Glob(glob)
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no fixtures found")
	}
	modules := map[string][]byte{}
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
	var seeds []string
	for _, glob := range fixtureGlobs {
		m, _ := filepath.Glob(glob)
		seeds = append(seeds, m...)
	}
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add(loopsModule(loops(maxInline + 2))) // checks past maxInline: calls of the helpers
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	f.Fuzz(func(t *testing.T, wasm []byte) {
		ins, err := Instrument(wasm, Limits{})
		if err != nil {
			return
		}
		orig, err := compileRecovering(ctx, rt, wasm)
		if err != nil {
			return
		}
		_ = orig.Close(ctx)
		cm, err := compileRecovering(ctx, rt, ins.Wasm)
		if err != nil {
			t.Fatalf("valid module invalid once instrumented: %v", err)
		}
		_ = cm.Close(ctx)
	})
}

// compileRecovering: some invalid modules make wazero panic (see
// hostabi's Host.compile).
func compileRecovering(ctx context.Context, rt wazero.Runtime, wasm []byte) (cm wazero.CompiledModule, err error) {
	defer func() {
		if r := recover(); r != nil {
			cm, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	return rt.CompileModule(ctx, wasm)
}
