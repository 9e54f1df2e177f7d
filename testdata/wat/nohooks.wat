;; nohooks.wat: the ABI marker but no hook: refused.
(module
  (memory (export "memory") 1)
  (func (export "wasmta_abi_v1"))
  (func (export "helper") (result i32) (i32.const 0))
)
