;; bigmemory.wat: asks for 2000 pages (125 MiB) up front, over the default
;; cap of 1024 pages: refused at load.
(module
  (memory (export "memory") 2000)
  (func (export "wasmta_abi_v1"))
  (func (export "route") (result i32) (i32.const 1))
)
