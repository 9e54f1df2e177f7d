;; declared1.wat: exports route and classify (classify traps) and
;; declares the hook set 1 through wasmta_hooks (ABI.md section 1.1).
(module
  (import "wasmta" "set" (func $set (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "host")
  (data (i32.const 16) "declared.example")
  (func (export "wasmta_abi_v1"))
  (func (export "wasmta_hooks") (result i32) (i32.const 1))
  (func (export "route") (result i32)
    (drop (call $set (i32.const 0) (i32.const 4) (i32.const 16) (i32.const 16)))
    (i32.const 0))
  (func (export "classify") (result i32) (unreachable)))
