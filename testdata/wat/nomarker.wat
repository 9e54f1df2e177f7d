;; nomarker.wat: a route hook but no wasmta_abi_v1 export: refused.
(module
  (memory (export "memory") 1)
  (func (export "route") (result i32) (i32.const 1))
)
