;; inittrap.wat: its _initialize (WASI reactor init) traps: refused.
(module
  (memory (export "memory") 1)
  (func (export "_initialize") unreachable)
  (func (export "wasmta_abi_v1"))
  (func (export "route") (result i32) (i32.const 1))
)
