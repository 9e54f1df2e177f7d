;; refblock.wat: route loops forever inside a block whose type the test
;; turns from funcref (02 70) into (ref null 2) (02 63 02) before loading:
;; wazero accepts that block type with typed function references off, and
;; a rewriter reading 0x63 as a one-byte type would read the heap type 2
;; as a block instruction whose block type is the loop's opcode, leaving
;; the loop unchecked. (wat2wasm 1.0.32 cannot write the type itself.)
(module
  (import "wasmta" "get" (func $get (param i32 i32 i32 i32) (result i32)))
  (type $t0 (func))
  (type $t1 (func))
  (type $t2 (func))
  (memory (export "memory") 1)
  (data (i32.const 0) "tenant")
  (data (i32.const 16) "evil")
  (func (export "wasmta_abi_v1"))
  (func $evil (result i32)
    (if (i32.ne (call $get (i32.const 0) (i32.const 6) (i32.const 32) (i32.const 16)) (i32.const 4))
      (then (return (i32.const 0))))
    (i32.eq (i32.load (i32.const 32)) (i32.load (i32.const 16))))
  (func (export "route") (result i32)
    (if (call $evil) (then
      (block (result funcref)
        (loop $forever (br $forever))
        unreachable)
      drop))
    (i32.const 1))
)
