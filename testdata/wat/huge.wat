;; huge.wat: outputs over the limits. When the tenant is "evil", route does
;; what the first byte of the campaign says, then returns 0:
;;   0 set host to a 5000-byte value     1 set 17 hosts (limit 16)
;;   2 set mx_domain 300 times (limit: 256 results per call)
;;   3 log 100 lines of 5000 bytes, then returns 1 (truncated and dropped,
;;     not a fault)
;; and on_message sets meta.k to a 1024-byte value 70 times (limit: 65536
;; result bytes per call). Otherwise both have no opinion.
(module
  (import "wasmta" "get" (func $get (param i32 i32 i32 i32) (result i32)))
  (import "wasmta" "set" (func $set (param i32 i32 i32 i32) (result i32)))
  (import "wasmta" "log" (func $log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "tenant")        ;; 6
  (data (i32.const 16) "evil")         ;; 4
  (data (i32.const 48) "campaign")     ;; 8
  (data (i32.const 80) "host")         ;; 4
  (data (i32.const 96) "a.test")       ;; 6
  (data (i32.const 144) "mx_domain")   ;; 9
  (data (i32.const 160) "meta.k")      ;; 6
  (func (export "wasmta_abi_v1"))
  (func $evil (result i32)
    (if (i32.ne (call $get (i32.const 0) (i32.const 6) (i32.const 32) (i32.const 16)) (i32.const 4))
      (then (return (i32.const 0))))
    (i32.eq (i32.load (i32.const 32)) (i32.load (i32.const 16))))
  ;; $repeat calls set(key, val) n times.
  (func $repeat (param $k i32) (param $kl i32) (param $v i32) (param $vl i32) (param $n i32)
    (loop $again
      (drop (call $set (local.get $k) (local.get $kl) (local.get $v) (local.get $vl)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $again (i32.gt_s (local.get $n) (i32.const 0)))))
  (func (export "route") (result i32)
    (local $c i32) (local $i i32)
    (if (i32.eqz (call $evil)) (then (return (i32.const 1))))
    (drop (call $get (i32.const 48) (i32.const 8) (i32.const 200) (i32.const 1)))
    (local.set $c (i32.load8_u (i32.const 200)))
    (memory.fill (i32.const 0x1000) (i32.const 0x61) (i32.const 5000))
    (if (i32.eq (local.get $c) (i32.const 0x30))
      (then (drop (call $set (i32.const 80) (i32.const 4) (i32.const 0x1000) (i32.const 5000)))))
    (if (i32.eq (local.get $c) (i32.const 0x31))
      (then (call $repeat (i32.const 80) (i32.const 4) (i32.const 96) (i32.const 6) (i32.const 17))))
    (if (i32.eq (local.get $c) (i32.const 0x32))
      (then (call $repeat (i32.const 144) (i32.const 9) (i32.const 96) (i32.const 6) (i32.const 300))))
    (if (i32.eq (local.get $c) (i32.const 0x33))
      (then
        (loop $lines
          (drop (call $log (i32.const 0) (i32.const 0x1000) (i32.const 5000)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $lines (i32.lt_s (local.get $i) (i32.const 100))))
        (return (i32.const 1))))
    (i32.const 0))
  (func (export "on_message") (result i32)
    (if (i32.eqz (call $evil)) (then (return (i32.const 1))))
    (memory.fill (i32.const 0x1000) (i32.const 0x61) (i32.const 1024))
    (call $repeat (i32.const 160) (i32.const 6) (i32.const 0x1000) (i32.const 1024) (i32.const 70))
    (i32.const 0))
)
