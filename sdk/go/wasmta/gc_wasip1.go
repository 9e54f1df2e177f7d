//go:build wasip1

package wasmta

import (
	"runtime"
	_ "unsafe" // go:linkname
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
