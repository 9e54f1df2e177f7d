;; nomemory.wat: a memory that is not exported: refused.
(module
  (memory 1)
  (func (export "wasmta_abi_v1"))
  (func (export "route") (result i32) (i32.const 1))
)
