;; globalfuel.wat: route loops forever, refilling a global every
;; iteration. The test renumbers that global.set from the module's own
;; global 0 to 2, the $fuel instrument appends after the module's globals
;; and its $interrupt: the original module is invalid, but instrumented it
;; would validate and never run out of fuel, so it must be refused.
(module
  (import "wasmta" "get" (func $get (param i32 i32 i32 i32) (result i32)))
  (global $mine (mut i32) (i32.const 0))
  (memory (export "memory") 1)
  (data (i32.const 0) "tenant")
  (data (i32.const 16) "evil")
  (func (export "wasmta_abi_v1"))
  (func $evil (result i32)
    (if (i32.ne (call $get (i32.const 0) (i32.const 6) (i32.const 32) (i32.const 16)) (i32.const 4))
      (then (return (i32.const 0))))
    (i32.eq (i32.load (i32.const 32)) (i32.load (i32.const 16))))
  (func (export "route") (result i32)
    (if (call $evil) (then (loop $forever
      (global.set $mine (i32.const 1000))
      (br $forever))))
    (i32.const 1))
)
