;; alwaystrap.wat: route always traps, so the load-time dry run refuses it.
(module
  (memory (export "memory") 1)
  (func (export "wasmta_abi_v1"))
  (func (export "route") (result i32) unreachable)
)
