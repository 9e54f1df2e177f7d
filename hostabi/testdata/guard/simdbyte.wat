;; simdbyte.wat: route loops forever after i16x8.abs, whose encoding
;; fd 80 01 the test shortens to fd 80 before loading. wazero reads the
;; SIMD sub-opcode as one byte, so it runs i16x8.abs, block, loop, br 0;
;; a rewriter reading a LEB128 sub-opcode would see fd 80 02 (opcode 256,
;; no immediates) and then two memory.grow whose reserved bytes are the
;; loop's opcode and the br, and no loop to check.
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
    (if (call $evil) (then
      (v128.const i64x2 0 0)
      (i16x8.abs)
      (block (loop (br 0)))
      drop))
    (i32.const 1))
)
