;; minimal.wat: a valid policy exporting every hook. Reception hooks have
;; no opinion; route sends the domain to its own MX via mx_domain (two host
;; calls: get + set); select_pool picks "default"; shape caps connections;
;; classify bounces 5xx and retries the rest.
(module
  (import "wasmta" "get" (func $get (param i32 i32 i32 i32) (result i32)))
  (import "wasmta" "get_i64" (func $get_i64 (param i32 i32) (result i64)))
  (import "wasmta" "set" (func $set (param i32 i32 i32 i32) (result i32)))
  (import "wasmta" "set_i64" (func $set_i64 (param i32 i32 i64) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "domain")          ;; 6
  (data (i32.const 16) "mx_domain")      ;; 9
  (data (i32.const 32) "pool")           ;; 4
  (data (i32.const 48) "default")        ;; 7
  (data (i32.const 64) "max_connections") ;; 15
  (data (i32.const 80) "code")           ;; 4
  (data (i32.const 96) "action")         ;; 6
  (data (i32.const 112) "bounce")        ;; 6
  (data (i32.const 128) "retry")         ;; 5
  (func (export "wasmta_abi_v1"))
  (func (export "on_mail_from") (result i32) (i32.const 1))
  (func (export "on_rcpt") (result i32) (i32.const 1))
  (func (export "on_message") (result i32) (i32.const 1))
  (func (export "route") (result i32)
    (local $n i32)
    (local.set $n (call $get (i32.const 0) (i32.const 6) (i32.const 1024) (i32.const 256)))
    (if (i32.or (i32.le_s (local.get $n) (i32.const 0)) (i32.gt_s (local.get $n) (i32.const 253)))
      (then (return (i32.const 1))))
    (drop (call $set (i32.const 16) (i32.const 9) (i32.const 1024) (local.get $n)))
    (i32.const 0))
  (func (export "select_pool") (result i32)
    (drop (call $set (i32.const 32) (i32.const 4) (i32.const 48) (i32.const 7)))
    (i32.const 0))
  (func (export "shape") (result i32)
    (drop (call $set_i64 (i32.const 64) (i32.const 15) (i64.const 20)))
    (i32.const 0))
  (func (export "classify") (result i32)
    (if (i64.ge_s (call $get_i64 (i32.const 80) (i32.const 4)) (i64.const 500))
      (then (drop (call $set (i32.const 96) (i32.const 6) (i32.const 112) (i32.const 6))))
      (else (drop (call $set (i32.const 96) (i32.const 6) (i32.const 128) (i32.const 5)))))
    (i32.const 0))
)
