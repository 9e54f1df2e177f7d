;; routea.wat: routes every domain to the smart host a.example; used to
;; tell versions apart in the hot swap and rollback tests.
(module
  (import "wasmta" "set" (func $set (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "host")
  (data (i32.const 16) "a.example")
  (func (export "wasmta_abi_v1"))
  (func (export "route") (result i32)
    (drop (call $set (i32.const 0) (i32.const 4) (i32.const 16) (i32.const 9)))
    (i32.const 0))
)
