;; oob.wat: bad arguments to every host function. When the tenant is
;; "evil", route makes the bad call selected by the first byte of the
;; campaign, ignores the status and returns 0 (1 for case c) - the host
;; must fault the call anyway, never panic, and keep serving:
;;   0 get: key out of bounds        1 get: buffer out of bounds
;;   2 get_i64: key out of bounds    3 count: key length 0xffffffff
;;   4 get_at: key out of bounds     5 set: key out of bounds
;;   6 set: value out of bounds      7 set_i64: key out of bounds
;;   8 set_f64: key out of bounds    9 log: message out of bounds
;;   a log: level 9                  b get: key of 257 bytes
;;   c set: unknown key, returns 1   d set: host "bad host!" (invalid)
;;   e set_i64 on the string key host   f set: pool (not a route result)
;;   g env.abort with wild pointers  h get_at: negative index
(module
  (import "wasmta" "get"     (func $get (param i32 i32 i32 i32) (result i32)))
  (import "wasmta" "get_i64" (func $get_i64 (param i32 i32) (result i64)))
  (import "wasmta" "count"   (func $count (param i32 i32) (result i32)))
  (import "wasmta" "get_at"  (func $get_at (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasmta" "set"     (func $set (param i32 i32 i32 i32) (result i32)))
  (import "wasmta" "set_i64" (func $set_i64 (param i32 i32 i64) (result i32)))
  (import "wasmta" "set_f64" (func $set_f64 (param i32 i32 f64) (result i32)))
  (import "wasmta" "log"     (func $log (param i32 i32 i32) (result i32)))
  (import "env" "abort"      (func $abort (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "tenant")        ;; 6
  (data (i32.const 16) "evil")         ;; 4
  (data (i32.const 48) "campaign")     ;; 8
  (data (i32.const 64) "domain")       ;; 6
  (data (i32.const 80) "host")         ;; 4
  (data (i32.const 96) "bad host!")    ;; 9
  (data (i32.const 112) "nonesuch")    ;; 8
  (data (i32.const 128) "pool")        ;; 4
  (data (i32.const 144) "mx_domain")   ;; 9
  (func (export "wasmta_abi_v1"))
  (func $evil (result i32)
    (if (i32.ne (call $get (i32.const 0) (i32.const 6) (i32.const 32) (i32.const 16)) (i32.const 4))
      (then (return (i32.const 0))))
    (i32.eq (i32.load (i32.const 32)) (i32.load (i32.const 16))))
  (func (export "route") (result i32)
    (local $c i32)
    (if (i32.eqz (call $evil)) (then (return (i32.const 1))))
    (drop (call $get (i32.const 48) (i32.const 8) (i32.const 200) (i32.const 1)))
    (local.set $c (i32.load8_u (i32.const 200)))
    (if (i32.eq (local.get $c) (i32.const 0x30))
      (then (drop (call $get (i32.const 0xfffffff0) (i32.const 100) (i32.const 300) (i32.const 10)))))
    (if (i32.eq (local.get $c) (i32.const 0x31))
      (then (drop (call $get (i32.const 64) (i32.const 6) (i32.const 0xffff0000) (i32.const 0x20000)))))
    (if (i32.eq (local.get $c) (i32.const 0x32))
      (then (drop (call $get_i64 (i32.const 0x10000) (i32.const 1)))))
    (if (i32.eq (local.get $c) (i32.const 0x33))
      (then (drop (call $count (i32.const 64) (i32.const 0xffffffff)))))
    (if (i32.eq (local.get $c) (i32.const 0x34))
      (then (drop (call $get_at (i32.const 0xffffffff) (i32.const 2) (i32.const 0) (i32.const 300) (i32.const 10)))))
    (if (i32.eq (local.get $c) (i32.const 0x35))
      (then (drop (call $set (i32.const 0xfffffffc) (i32.const 8) (i32.const 96) (i32.const 4)))))
    (if (i32.eq (local.get $c) (i32.const 0x36))
      (then (drop (call $set (i32.const 144) (i32.const 9) (i32.const 0xfff0) (i32.const 0x20)))))
    (if (i32.eq (local.get $c) (i32.const 0x37))
      (then (drop (call $set_i64 (i32.const 0x7fffffff) (i32.const 4) (i64.const 1)))))
    (if (i32.eq (local.get $c) (i32.const 0x38))
      (then (drop (call $set_f64 (i32.const 0x80000000) (i32.const 4) (f64.const 1)))))
    (if (i32.eq (local.get $c) (i32.const 0x39))
      (then (drop (call $log (i32.const 1) (i32.const 0xfffffff0) (i32.const 0x100)))))
    (if (i32.eq (local.get $c) (i32.const 0x61))
      (then (drop (call $log (i32.const 9) (i32.const 64) (i32.const 6)))))
    (if (i32.eq (local.get $c) (i32.const 0x62))
      (then (drop (call $get (i32.const 64) (i32.const 257) (i32.const 300) (i32.const 10)))))
    (if (i32.eq (local.get $c) (i32.const 0x63))
      (then (drop (call $set (i32.const 112) (i32.const 8) (i32.const 96) (i32.const 4))) (return (i32.const 1))))
    (if (i32.eq (local.get $c) (i32.const 0x64))
      (then (drop (call $set (i32.const 80) (i32.const 4) (i32.const 96) (i32.const 9)))))
    (if (i32.eq (local.get $c) (i32.const 0x65))
      (then (drop (call $set_i64 (i32.const 80) (i32.const 4) (i64.const 5)))))
    (if (i32.eq (local.get $c) (i32.const 0x66))
      (then (drop (call $set (i32.const 128) (i32.const 4) (i32.const 96) (i32.const 4)))))
    (if (i32.eq (local.get $c) (i32.const 0x67))
      (then (call $abort (i32.const 0xfffffff0) (i32.const 0x7ffffff0) (i32.const 1) (i32.const 2))))
    (if (i32.eq (local.get $c) (i32.const 0x68))
      (then (drop (call $get_at (i32.const 64) (i32.const 6) (i32.const -1) (i32.const 300) (i32.const 10)))))
    (i32.const 0))
)
