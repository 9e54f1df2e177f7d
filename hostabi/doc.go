// Package hostabi runs policy modules written in WebAssembly: it is the host
// side of ABI v1 (the contract is ABI.md in this directory).
//
// It owns the wazero runtime and its compilation cache, the host functions
// a guest imports (lookup, ABI v1.4, reads data tables through the
// policy.Tables it is given and records which tables a call read) (module "wasmta", AssemblyScript's "env" functions and a
// sandboxed wasi_snapshot_preview1), validation of a module before it goes
// live, pools of instances per module version, the per-call deadline and
// memory cap, and the Registry of per-tenant modules with atomic hot swap,
// draining of the old version and rollback.
//
// The deadline is enforced by a fuel check the host compiles into a
// module when it loads it, at every function entry, every loop iteration
// and every bulk memory or table instruction (package internal/guard,
// which owns that rewrite), and by one watchdog goroutine per Host
// (watchdog.go), not by wazero's
// per-iteration guard: a guarded call costs little more than an unguarded
// one, and no loop, recursion or bulk copy outruns the deadline.
//
// A module is bounded before it compiles (size, and control instructions
// per function, since wazero's compile time grows with their square) and
// while it compiles (a deadline, one compilation at a time: compile.go).
// The Registry holds a change token, never the lock its readers take,
// while a push compiles, so lookups and List answer during a long push.
//
// A *Module implements policy.Policy and a *Registry implements
// policy.Registry, so the engine calls wasm policies through the same
// interface as the native default; a *Registry also implements
// policy.Modules, which the admin API serves (push, rollback, list), so
// nothing stands between the two. hostabi never imports the engine, the
// spool or any network code: modules are persisted through the small
// ModuleStore interface it declares, which the spool satisfies
// (spool.PolicyModules) and cmd/wasmta wires in, and faults are reported through Config.Faults and
// the returned errors. It never gives a guest a file, a socket, an
// environment variable or another call's data.
package hostabi
