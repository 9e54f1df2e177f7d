;; bigmax.wat: grow.wat with a declared maximum of 65536 pages (4 GiB), far
;; over the host's memory cap. The host accepts it and the cap still holds:
;; the maximum is a ceiling the module allows, not memory it needs, so the
;; cap replaces it (ABI.md section 6). A minimum over the cap is refused
;; (bigmemory.wat).
(module
  (import "wasmta" "get" (func $get (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1 65536)
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
