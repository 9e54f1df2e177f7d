;; recursion.wat: route recurses with fan-out 2 to depth 60 when the
;; tenant is "evil": 2^60 calls, a stack only 60 frames deep and no loop
;; anywhere in the module, so only a check at function entry stops it.
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
  (func $fan (param i32)
    (if (local.get 0)
      (then
        (call $fan (i32.sub (local.get 0) (i32.const 1)))
        (call $fan (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "route") (result i32)
    (if (call $evil) (then (call $fan (i32.const 60))))
    (i32.const 1))
)
