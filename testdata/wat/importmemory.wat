;; importmemory.wat: imports its memory instead of defining it: refused.
(module
  (import "env" "memory" (memory 1))
  (func (export "wasmta_abi_v1"))
  (func (export "route") (result i32) (i32.const 1))
)
