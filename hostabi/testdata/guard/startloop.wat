;; startloop.wat: its wasm start function never returns: the
;; initialisation deadline stops it and the module is refused.
(module
  (memory (export "memory") 1)
  (func $start (loop $forever (br $forever)))
  (start $start)
  (func (export "wasmta_abi_v1"))
  (func (export "route") (result i32) (i32.const 1))
)
