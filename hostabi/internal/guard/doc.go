// Package guard compiles the deadline guard of hostabi into a WebAssembly
// module: Instrument rewrites a module's binary so that the host can stop
// any call of it within a bounded amount of work. It owns the rewrite
// (guard.go), the decoder of function bodies it needs (wasmcode.go) and
// the code it inserts (fuel.go); it knows nothing of wazero, pools or
// policies, and hostabi is its only user.
//
// The deadline guard is compiled into the guest instead of asking wazero
// for it. wazero's own guard (RuntimeConfig.WithCloseOnContextDone) makes
// every loop iteration leave the native code to ask Go whether the module
// was closed, and starts a goroutine per call to watch the context; for a
// Go guest (whose code is dispatch loops) that tripled the cost of a call.
//
// Instrument rewrites the module so that a loop iteration or a call
// costs a decrement and a branch: it adds three mutable i32 globals,
// $interrupt (exported as InterruptExport, set by the host), $fuel (the
// guest's countdown) and $len (scratch), and at the top of every function
// body (after its locals) and of every loop body inserts
//
//	global.get $fuel
//	if                                  ;; fuel left: spend one unit
//	  global.get $fuel  i32.const 1  i32.sub  global.set $fuel
//	else                                ;; every FuelPerExit iterations:
//	  i32.const FuelPerExit  global.set $fuel
//	  i32.const 0  memory.grow  drop    ;; leave the native code for Go
//	  global.get $interrupt
//	  if unreachable end                ;; stopped: trap
//	end
//
// The check at function entry is what stops code without a loop: a
// function that calls itself twice to depth 60 makes 2^60 calls on a
// stack only 60 deep (hostabi/testdata/guard/recursion.wat). With both, every
// instruction the guest runs between two checks is in one function body
// and runs once, so that work is bounded by the module's size.
//
// Except for bulk instructions (memory.fill, memory.copy, memory.init and
// their table counterparts, table.grow), whose work is their length
// operand: a body repeating a 64 MiB memory.fill held a call for minutes
// (hostabi/testdata/guard/bulkfill.wat). Before each the rewriter parks the
// length in $len and charges 1 + length/1 KiB units of fuel, taking the
// exit to Go when less is left (fuel.go).
//
// The host sets $interrupt from the call's deadline (hostabi's watchdog
// calls instance.stop) and the guest traps within FuelPerExit units; a guest
// sleeping in a host call is woken by the same stop.
//
// The periodic exit to Go is not optional. Native code cannot be
// preempted: a loop that never leaves it holds its P, so a stop-the-world
// (every GC has two) waits for it forever, and with every P so held no
// timer can fire to stop it. memory.grow by 0 pages is the cheapest way a
// module can reach Go without a new import (which would renumber every
// function); Go code runs there and can be preempted. A module without a
// memory (which the host refuses anyway) gets the $interrupt check alone.
//
// wazero's own guard checks loops only, so recursion and bulk
// instructions outran it; this one does not have that hole.
//
// The rewriter must see the instructions wazero will run, so it decodes
// as wazero does, not as the binary format says where they differ (see
// wasmcode.go): a misread immediate could hide a loop. And since only the
// instrumented module is validated, where the guard's globals exist, code
// naming a global past the module's own is refused: a guest that set
// $fuel every iteration would never be stopped.
//
// A start function would run inside InstantiateModule, before the host
// holds the instance and so before it could set the global: Instrument
// removes the start section and exports the function as StartExport, and
// the host calls it under the initialisation deadline.
package guard
