;; badhooksig.wat: route takes a parameter: refused.
(module
  (memory (export "memory") 1)
  (func (export "wasmta_abi_v1"))
  (func (export "route") (param i32) (result i32) (i32.const 1))
)
