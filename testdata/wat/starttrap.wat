;; starttrap.wat: its wasm start function traps: refused at load.
(module
  (memory (export "memory") 1)
  (func $start unreachable)
  (start $start)
  (func (export "wasmta_abi_v1"))
  (func (export "route") (result i32) (i32.const 1))
)
