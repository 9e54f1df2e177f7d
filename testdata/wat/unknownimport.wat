;; unknownimport.wat: imports a function the host does not provide: refused.
(module
  (import "env" "system" (func $system (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "wasmta_abi_v1"))
  (func (export "route") (result i32) (i32.const 1))
)
