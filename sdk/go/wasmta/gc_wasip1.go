//go:build wasip1

package wasmta

import (
	"runtime"
	"unsafe"
)

// writeBarrier is the runtime's flag that the garbage collector is
// marking: while it is set, every store of a pointer runs the write
// barrier. The runtime keeps its name and layout for the packages that
// read it (go.dev/issue/67401: "Do not remove or change the type
// signature").
//
//go:linkname writeBarrier runtime.writeBarrier
var writeBarrier struct {
	enabled bool
	pad     [3]byte
	alignme uint64
}

// finishMarking lets the collector's mark worker run when a hook leaves
// the collector marking. A module built with -buildmode=c-shared runs
// Go only inside a call, and a call schedules no other goroutine unless
// it blocks, so the mark worker started by an allocation never ran: the
// mark advanced only by the allocating calls' assists and stayed on for
// thousands of calls, each paying the write barrier on every pointer it
// stored (a fifth of policies/go/default's CPU per message). Yielding once
// the hook's results are written lets the worker finish the mark in that
// call; the calls after it run without the barrier (docs/RATIONALE.md,
// "Go SDK: the collector's mark finished in the call that started it").
func finishMarking() {
	if writeBarrier.enabled {
		runtime.Gosched()
	}
}

// notMarking reports whether the collector is not marking, as the
// compiler's own test before a pointer store does: the flag's word is
// zero. Written as a comparison, not as !writeBarrier.enabled, which
// the compiler turns around so that its "marking" branch comes first in
// the code and the usual case jumps.
func notMarking() bool { return *(*uint32)(unsafe.Pointer(&writeBarrier)) == 0 }

// storeNoMark stores the string of n bytes at v into the string at dst
// with a plain store, as the compiler does for a pointer store when
// writeBarrier.enabled is false; the caller checked that it is, with no
// call (and so no point where the collector could start marking) between
// the check and this store. The compiler tests the flag before every
// pointer store, and under its wasm code generation the test jumps
// (through the function's entry dispatch) in the usual case, when the
// collector is not marking: each string field of a hook's input paid that
// jump, about 65 instructions (docs/benchmarks.md, "Policy cost, session
// 10").
func storeNoMark(dst, v unsafe.Pointer, n int) {
	*(*[2]uintptr)(dst) = [2]uintptr{uintptr(v), uintptr(n)}
}
