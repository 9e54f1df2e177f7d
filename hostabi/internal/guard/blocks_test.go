package guard

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/tetratelabs/wazero"
)

// loops is a function body (no locals) of n empty loops, one after the
// other: 3 bytes each.
func loops(n int) []byte {
	return append(append([]byte{0x00}, bytes.Repeat([]byte{0x03, 0x40, 0x0b}, n)...), 0x0b)
}

// loopsModule is a module importing one function and defining a memory
// and one function, body.
func loopsModule(body []byte) []byte {
	section := func(dst []byte, id byte, b ...byte) []byte {
		return append(binary.AppendUvarint(append(dst, id), uint64(len(b))), b...)
	}
	w := []byte("\x00asm\x01\x00\x00\x00")
	w = section(w, secType, 1, 0x60, 0, 0)
	w = section(w, secImport, 1, 1, 'm', 1, 'f', 0x00, 0) // m.f: type 0
	w = section(w, secFunction, 1, 0)
	w = section(w, secMemory, 1, 0, 1)
	code := binary.AppendUvarint([]byte{1}, uint64(len(body)))
	return section(w, secCode, append(code, body...)...)
}

// TestInstrumentCallsPastMaxInline: a body's first maxInline checks are
// inline and the rest are calls of the helpers, so the blocks the guard
// adds to a function are bounded (blocks.go).
func TestInstrumentCallsPastMaxInline(t *testing.T) {
	step, bulk := []byte{0x23, 0x05, 0x04, 0x40, 0x00, 0x0b}, []byte{0x23, 0x06, 0x04, 0x40, 0x00, 0x0b}
	callStep, callBulk := []byte{0x10, 0x07}, []byte{0x10, 0x08}
	c := checks{step: step, bulk: bulk, callStep: callStep, callBulk: callBulk, globals: 5}
	loop, fill := []byte{0x03, 0x40}, []byte{0xfc, 0x0b, 0x00}
	code := append(loops(maxInline+1), fill...) // entry + maxInline+1 loops, then a fill
	want := append([]byte{0x00}, step...)       // entry: the first inline check
	for i := range maxInline + 1 {
		want = append(want, loop...)
		if i < maxInline-1 {
			want = append(want, step...)
		} else {
			want = append(want, callStep...)
		}
		want = append(want, 0x0b)
	}
	want = append(append(append(want, 0x0b), callBulk...), fill...)
	got, err := instrumentBody(nil, code, c)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("got % x, %v\nwant % x", got, err, want)
	}
}

// TestInstrumentLimits: a function of more blocks than
// Limits.MaxFunctionBlocks is refused (wrapping ErrTooComplex), one of
// exactly that many is not.
func TestInstrumentLimits(t *testing.T) {
	lim := Limits{MaxFunctionBlocks: 100}
	if _, err := Instrument(loopsModule(loops(100)), lim); err != nil {
		t.Errorf("100 loops: %v", err)
	}
	_, err := Instrument(loopsModule(loops(101)), lim)
	want := "code section: function body 0: more than 100 blocks, loops, ifs and branches: too complex to compile"
	if !errors.Is(err, ErrTooComplex) || err.Error() != want {
		t.Errorf("101 loops: %v, want %s", err, want)
	}
}

// TestInstrumentManyLoopsCompiles: with an imported function before the
// module's own, the helpers get the indexes after them, and a module with
// checks past maxInline compiles.
func TestInstrumentManyLoopsCompiles(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	for _, n := range []int{0, maxInline, 3 * maxInline} {
		ins, err := Instrument(loopsModule(loops(n)), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(ins.Wasm, []byte{0x10, 0x02}) != (n < maxInline) { // call $step is function 2
			t.Errorf("%d loops: call $step present = %v", n, n >= maxInline)
		}
		cm, err := rt.CompileModule(ctx, ins.Wasm)
		if err != nil {
			t.Fatalf("%d loops: %v", n, err)
		}
		_ = cm.Close(ctx)
	}
}

// BenchmarkInstrumentLoops rewrites one function of n empty loops: the
// time per loop stays flat as n grows (linear in the module's size).
//
//	go test ./hostabi/internal/guard -run '^$' -bench InstrumentLoops
func BenchmarkInstrumentLoops(b *testing.B) {
	for _, n := range []int{1000, 4000, 16000, 64000} {
		wasm := loopsModule(loops(n))
		b.Run(fmt.Sprintf("loops=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(wasm)))
			for b.Loop() {
				if _, err := Instrument(wasm, Limits{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/loop")
		})
	}
}
