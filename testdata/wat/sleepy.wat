;; sleepy.wat: route sleeps 300 ms through WASI poll_oneoff when the
;; tenant is "slow", then routes to slow.example. Used to hold a call in
;; flight across a hot swap, and to show that a sleep stops at the deadline.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasmta" "get" (func $get (param i32 i32 i32 i32) (result i32)))
  (import "wasmta" "set" (func $set (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "tenant")      ;; 6
  (data (i32.const 16) "slow")       ;; 4
  (data (i32.const 32) "host")       ;; 4
  (data (i32.const 48) "slow.example") ;; 12
  (func (export "wasmta_abi_v1"))
  (func (export "route") (result i32)
    (if (i32.eq (call $get (i32.const 0) (i32.const 6) (i32.const 64) (i32.const 16)) (i32.const 4))
      (then (if (i32.eq (i32.load (i32.const 64)) (i32.load (i32.const 16)))
        (then (call $sleep (i64.const 300000000))))))
    (drop (call $set (i32.const 32) (i32.const 4) (i32.const 48) (i32.const 12)))
    (i32.const 0))
  ;; $sleep subscribes to the monotonic clock for $ns nanoseconds.
  (func $sleep (param $ns i64)
    (memory.fill (i32.const 256) (i32.const 0) (i32.const 48))
    (i32.store8 (i32.const 264) (i32.const 0))          ;; tag: clock
    (i32.store (i32.const 272) (i32.const 1))            ;; clock id: monotonic
    (i64.store (i32.const 280) (local.get $ns))          ;; timeout
    (drop (call $poll (i32.const 256) (i32.const 320) (i32.const 1) (i32.const 400))))
)
