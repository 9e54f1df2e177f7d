;; const.wat: route sets one constant smart host (one host call).
(module
  (import "wasmta" "set" (func $set (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "host")
  (data (i32.const 16) "relay.example.net:2525") ;; 22
  (func (export "wasmta_abi_v1"))
  (func (export "route") (result i32)
    (drop (call $set (i32.const 0) (i32.const 4) (i32.const 16) (i32.const 22)))
    (i32.const 0))
)
