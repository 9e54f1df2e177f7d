;; The cheapest useful hook, for the benchmarks of e2e/conformance:
;; route and classify each read one input (one host call) and answer "no
;; opinion". What a call of it costs is the floor every policy pays: the
;; host's call, deadline guard and one `get`.
;;
;; Build: wat2wasm floor.wat -o floor.wasm
(module
  (import "wasmta" "get" (func $get (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0)  "tenant") ;; 6
  (data (i32.const 16) "text")   ;; 4
  (func (export "wasmta_abi_v1"))
  (func (export "route") (result i32)
    (drop (call $get (i32.const 0) (i32.const 6) (i32.const 1024) (i32.const 256)))
    (i32.const 1))
  (func (export "classify") (result i32)
    (drop (call $get (i32.const 16) (i32.const 4) (i32.const 1024) (i32.const 4096)))
    (i32.const 1)))
