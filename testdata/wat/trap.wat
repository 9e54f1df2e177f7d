;; trap.wat: when the tenant is "evil", each hook fails a different way:
;; route hits unreachable, select_pool divides by zero, shape calls
;; proc_exit(3), classify returns 7, on_rcpt calls AssemblyScript's abort
;; with a message. shape has no tenant: it checks its source instead.
;; Otherwise every hook has no opinion.
(module
  (import "wasmta" "get" (func $get (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "tenant")
  (data (i32.const 16) "evil")
  (data (i32.const 48) "source")
  ;; AssemblyScript strings: u32 byte length, then UTF-16LE
  (data (i32.const 0x100) "\0a\00\00\00b\00o\00o\00m\00!\00")          ;; "boom!"
  (data (i32.const 0x120) "\0e\00\00\00t\00e\00s\00t\00.\00t\00s\00") ;; "test.ts"
  (global $zero (mut i32) (i32.const 0))
  (func (export "wasmta_abi_v1"))
  (func $evil (result i32) (call $is_evil (i32.const 0)))
  ;; $is_evil tells whether the 6-byte key at $key has the value "evil".
  (func $is_evil (param $key i32) (result i32)
    (if (i32.ne (call $get (local.get $key) (i32.const 6) (i32.const 32) (i32.const 16)) (i32.const 4))
      (then (return (i32.const 0))))
    (i32.eq (i32.load (i32.const 32)) (i32.load (i32.const 16))))
  (func (export "route") (result i32)
    (if (call $evil) (then unreachable))
    (i32.const 1))
  (func (export "select_pool") (result i32)
    (if (call $evil) (then (return (i32.div_s (i32.const 1) (global.get $zero)))))
    (i32.const 1))
  (func (export "shape") (result i32)
    (if (call $is_evil (i32.const 48)) (then (call $exit (i32.const 3))))
    (i32.const 1))
  (func (export "classify") (result i32)
    (if (call $evil) (then (return (i32.const 7))))
    (i32.const 1))
  (func (export "on_rcpt") (result i32)
    (if (call $evil) (then (call $abort (i32.const 0x104) (i32.const 0x124) (i32.const 12) (i32.const 5))))
    (i32.const 1))
)
