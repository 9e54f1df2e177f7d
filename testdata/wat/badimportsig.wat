;; badimportsig.wat: imports wasmta.get with the wrong type: refused.
(module
  (import "wasmta" "get" (func $get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "wasmta_abi_v1"))
  (func (export "route") (result i32) (i32.const 1))
)
