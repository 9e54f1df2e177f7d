;; badresult.wat: classify sets a scope without any action: the results
;; are inconsistent, so the dry run refuses the module.
(module
  (import "wasmta" "set" (func $set (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "scope")
  (data (i32.const 16) "site")
  (func (export "wasmta_abi_v1"))
  (func (export "classify") (result i32)
    (drop (call $set (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 4)))
    (i32.const 0))
)
