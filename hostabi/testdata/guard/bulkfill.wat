;; bulkfill.wat: route, for the tenant "evil", grows its memory to 64 MiB
;; and recurses with fan-out 2 to depth 40, each call filling the whole
;; memory 16 times. No loop, and few calls: between two checks at entry
;; the guest writes a gigabyte, so only a check that charges a bulk
;; instruction for its length stops it in time.
(module
  (import "wasmta" "get" (func $get (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "tenant")
  (data (i32.const 16) "evil")
  (func (export "wasmta_abi_v1"))
  (func $evil (result i32)
    (if (i32.ne (call $get (i32.const 0) (i32.const 6) (i32.const 32) (i32.const 16)) (i32.const 4))
      (then (return (i32.const 0))))
    (i32.eq (i32.load (i32.const 32)) (i32.load (i32.const 16))))
  (func $fill
    (memory.fill (i32.const 0) (i32.const 1) (i32.mul (memory.size) (i32.const 65536)))
    (memory.fill (i32.const 0) (i32.const 2) (i32.mul (memory.size) (i32.const 65536)))
    (memory.fill (i32.const 0) (i32.const 3) (i32.mul (memory.size) (i32.const 65536)))
    (memory.fill (i32.const 0) (i32.const 4) (i32.mul (memory.size) (i32.const 65536)))
    (memory.copy (i32.const 0) (i32.const 32768) (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 32768)))
    (memory.copy (i32.const 32768) (i32.const 0) (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 32768)))
    (memory.fill (i32.const 0) (i32.const 5) (i32.mul (memory.size) (i32.const 65536)))
    (memory.fill (i32.const 0) (i32.const 6) (i32.mul (memory.size) (i32.const 65536)))
    (memory.fill (i32.const 0) (i32.const 7) (i32.mul (memory.size) (i32.const 65536)))
    (memory.fill (i32.const 0) (i32.const 8) (i32.mul (memory.size) (i32.const 65536)))
    (memory.copy (i32.const 0) (i32.const 32768) (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 32768)))
    (memory.copy (i32.const 32768) (i32.const 0) (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 32768)))
    (memory.fill (i32.const 0) (i32.const 9) (i32.mul (memory.size) (i32.const 65536)))
    (memory.fill (i32.const 0) (i32.const 10) (i32.mul (memory.size) (i32.const 65536)))
    (memory.fill (i32.const 0) (i32.const 11) (i32.mul (memory.size) (i32.const 65536)))
    (memory.fill (i32.const 0) (i32.const 12) (i32.mul (memory.size) (i32.const 65536))))
  (func $fan (param i32)
    (call $fill)
    (if (local.get 0)
      (then
        (call $fan (i32.sub (local.get 0) (i32.const 1)))
        (call $fan (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "route") (result i32)
    (if (call $evil)
      (then
        (drop (memory.grow (i32.const 1023)))
        (call $fan (i32.const 40))))
    (i32.const 1))
)
