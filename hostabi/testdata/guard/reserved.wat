;; reserved.wat: exports a name the host's deadline guard adds to every
;; module: refused at load.
(module
  (memory (export "memory") 1)
  (func (export "wasmta_abi_v1"))
  (func (export "route") (result i32) (i32.const 1))
  (func (export "wasmta:interrupt"))
)
