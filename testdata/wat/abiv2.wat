;; abiv2.wat: speaks a future ABI (exports wasmta_abi_v2 only): refused.
(module
  (memory (export "memory") 1)
  (func (export "wasmta_abi_v2"))
  (func (export "route") (result i32) (i32.const 1))
)
