;; A policy that traps, for the fault tests (e2e/conformance): route
;; executes `unreachable` for the domain panic.example, classify when the
;; text is longer than 4096 bytes or contains "panic". Everything else: no
;; opinion. Build: wat2wasm panic.wat -o panic.wasm
(module
  (import "wasmta" "get" (func $get (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0)  "domain")        ;; 6
  (data (i32.const 16) "panic.example") ;; 13
  (data (i32.const 32) "text")          ;; 4
  (data (i32.const 48) "panic")         ;; 5
  (func (export "wasmta_abi_v1"))

  (func (export "route") (result i32)
    (if (i32.and (i32.eq (call $get (i32.const 0) (i32.const 6) (i32.const 1024) (i32.const 256)) (i32.const 13))
                 (call $eq (i32.const 1024) (i32.const 16) (i32.const 13)))
      (then unreachable))
    (i32.const 1))

  (func (export "classify") (result i32)
    (local $n i32) (local $p i32)
    (local.set $n (call $get (i32.const 32) (i32.const 4) (i32.const 1024) (i32.const 4096)))
    (if (i32.gt_s (local.get $n) (i32.const 4096)) (then unreachable))
    (local.set $p (i32.const 1024))
    (block $no
      (loop $next
        (br_if $no (i32.gt_s (i32.add (local.get $p) (i32.const 5)) (i32.add (i32.const 1024) (local.get $n))))
        (if (call $eq (local.get $p) (i32.const 48) (i32.const 5)) (then unreachable))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (i32.const 1))

  (func $eq (param $a i32) (param $b i32) (param $n i32) (result i32)
    (block $diff
      (loop $next
        (if (i32.eqz (local.get $n)) (then (return (i32.const 1))))
        (br_if $diff (i32.ne (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (i32.const 0)))
