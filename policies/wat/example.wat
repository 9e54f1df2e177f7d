;; The WAT example of docs/policies.md ("Other languages"), tested against
;; policies/wat/example.cases.toml by e2e/conformance.
(module
  (import "wasmta" "get" (func $get (param i32 i32 i32 i32) (result i32)))
  (import "wasmta" "set" (func $set (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0)  "tenant")     ;; 6
  (data (i32.const 16) "acme")       ;; 4
  (data (i32.const 32) "pool")       ;; 4
  (data (i32.const 48) "acme-pool")  ;; 9
  (func (export "wasmta_abi_v1"))
  (func (export "select_pool") (result i32)
    ;; the tenant is exactly "acme": 4 bytes, compared as one i32
    (if (i32.ne (call $get (i32.const 0) (i32.const 6) (i32.const 1024) (i32.const 256)) (i32.const 4))
      (then (return (i32.const 1))))
    (if (i32.ne (i32.load (i32.const 1024)) (i32.load (i32.const 16)))
      (then (return (i32.const 1))))
    (drop (call $set (i32.const 32) (i32.const 4) (i32.const 48) (i32.const 9)))
    (i32.const 0)))
