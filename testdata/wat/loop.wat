;; loop.wat: route loops forever when the tenant is "evil" (the deadline
;; must stop it); otherwise it has no opinion, so the load-time dry run
;; passes.
(module
  (import "wasmta" "get" (func $get (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "tenant")
  (data (i32.const 16) "evil")
  (func (export "wasmta_abi_v1"))
  (func $evil (result i32)
    (if (i32.ne (call $get (i32.const 0) (i32.const 6) (i32.const 32) (i32.const 16)) (i32.const 4))
      (then (return (i32.const 0))))
    (i32.eq (i32.load (i32.const 32)) (i32.load (i32.const 16))))
  (func (export "route") (result i32)
    (if (call $evil) (then (loop $forever (br $forever))))
    (i32.const 1))
)
