;; grow.wat: a memory.grow bomb. When the tenant is "evil", route first
;; asks for 65535 pages at once (must fail: returns -2 if it did not), then
;; grows one page at a time until memory.grow returns -1, and returns the
;; final memory size in pages (a fault "hook returned N" that tells the
;; test how far it got). Otherwise no opinion.
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
    (if (i32.eqz (call $evil)) (then (return (i32.const 1))))
    (if (i32.ne (memory.grow (i32.const 65535)) (i32.const -1)) (then (return (i32.const -2))))
    (block $full
      (loop $more
        (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        ;; touch the new page so it is really there
        (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)) (i32.const 1))
        (br $more)))
    (memory.size))
)
