package guard

import (
	"fmt"
	"unicode/utf8"
)

// This file decodes just enough of WebAssembly function bodies to find
// every function entry, loop and bulk instruction: the length of each
// instruction's immediates, for the instruction set wazero enables by
// default (WebAssembly 2.0: MVP, sign extension, non-trapping
// conversions, bulk memory, reference types, multi-value, SIMD). Anything
// else is refused, as wazero would. Where wazero's decoder differs from
// the binary format (a one-byte SIMD sub-opcode; the 0x63 and 0x64
// reference types, accepted with their proposal off), this decoder
// follows wazero: the two must agree on every byte, or a loop can hide in
// what one of them reads as an immediate.

// instrumentCode rewrites a code section, inserting check at the top of
// every function body and every loop body.
func instrumentCode(b []byte, c checks) ([]byte, error) {
	n, k, err := readU32(b)
	if err != nil {
		return nil, err
	}
	dst := appendU32(make([]byte, 0, len(b)+len(b)/16), n)
	b = b[k:]
	var body []byte
	for i := range n {
		size, k, err := readU32(b)
		if err != nil || uint64(k)+uint64(size) > uint64(len(b)) {
			return nil, fmt.Errorf("function body %d: %w", i, errTruncated)
		}
		body, err = instrumentBody(body[:0], b[k:k+int(size)], c)
		if err != nil {
			return nil, fmt.Errorf("function body %d: %w", i, err)
		}
		dst = appendU32(dst, uint32(len(body)))
		dst = append(dst, body...)
		b = b[k+int(size):]
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%d bytes after the last function body", len(b))
	}
	return dst, nil
}

// instrumentBody appends code (locals, then instructions) to dst with
// a step check after the locals and after the block type of every loop,
// and a bulk check before every instruction whose run time grows with an
// operand: inline for the first maxInline, then as calls (blocks.go).
func instrumentBody(dst, code []byte, c checks) ([]byte, error) {
	i, err := localsLen(code)
	if err != nil {
		return nil, err
	}
	inline := 0
	check := func(in, call []byte) []byte {
		if inline++; inline <= maxInline {
			return in
		}
		return call
	}
	// The check at entry bounds recursion, which needs no loop: a function
	// calling itself twice to depth 60 makes 2^60 calls on a stack of 60.
	// The operand stack is empty there, so the check, which leaves it as it
	// found it, is valid whatever the function's type.
	dst = append(append(dst, code[:i]...), check(c.step, c.callStep)...)
	flushed, blocks := i, 0
	for i < len(code) {
		at, op := i, code[i]
		i++
		k, err := immediatesLen(op, code[i:])
		if err != nil {
			return nil, fmt.Errorf("offset %d: %w", at, err)
		}
		i += k
		if i > len(code) {
			return nil, errTruncated
		}
		if isBlock(op) {
			if blocks++; c.maxBlocks > 0 && blocks > c.maxBlocks {
				return nil, fmt.Errorf("more than %d blocks, loops, ifs and branches: %w", c.maxBlocks, ErrTooComplex)
			}
		}
		switch {
		case op == 0x03: // loop
			dst = append(dst, code[flushed:i]...)
			dst = append(dst, check(c.step, c.callStep)...)
			flushed = i
		case op == 0x23 || op == 0x24: // global.get, global.set
			// Only the instrumented module is validated, where the
			// guard's globals exist: a guest setting $fuel every
			// iteration would never leave for Go nor see $interrupt.
			if idx, _, _ := readU32(code[at+1:]); idx >= c.globals {
				return nil, fmt.Errorf("offset %d: global %d does not exist", at, idx)
			}
		case op == 0xfc && isBulk(code[at+1:]):
			dst = append(dst, code[flushed:at]...)
			dst = append(dst, check(c.bulk, c.callBulk)...)
			flushed = at
		}
	}
	return append(dst, code[flushed:]...), nil
}

// localsLen is the length of a body's local declarations.
func localsLen(code []byte) (int, error) {
	n, i, err := readU32(code)
	if err != nil {
		return 0, err
	}
	for range n {
		k, err := lebLen(code[i:], 5)
		if err != nil {
			return 0, err
		}
		if i += k; i >= len(code) {
			return 0, errTruncated
		}
		if k, err = valueTypeLen(code[i:]); err != nil {
			return 0, err
		}
		i += k
	}
	return i, nil
}

// immediatesLen is the length of the immediates of opcode op, which b
// starts with.
func immediatesLen(op byte, b []byte) (int, error) {
	switch {
	case op <= 0x01, op == 0x05, op == 0x0b, op == 0x0f, op == 0x1a, op == 0x1b,
		op >= 0x45 && op <= 0xc4, op == 0xd1:
		return 0, nil
	case op >= 0x02 && op <= 0x04: // block, loop, if: block type
		return blockTypeLen(b)
	case op == 0x0c, op == 0x0d, op == 0x10, op == 0xd2, op >= 0x20 && op <= 0x26,
		op == 0x3f, op == 0x40:
		return lebLen(b, 5)
	case op == 0x0e: // br_table: vector of labels, default label
		return vectorLen(b, 1)
	case op == 0x11: // call_indirect: type, table
		return lebsLen(b, 2)
	case op == 0x1c: // select t*: vector of value types
		return selectTypesLen(b)
	case op >= 0x28 && op <= 0x3e:
		return memargLen(b)
	case op == 0x41:
		return lebLen(b, 5)
	case op == 0x42:
		return lebLen(b, 10)
	case op == 0x43:
		return 4, nil
	case op == 0x44:
		return 8, nil
	case op == 0xd0: // ref.null: heap type
		return heapTypeLen(b)
	case op == 0xfc:
		return miscLen(b)
	case op == 0xfd:
		return simdLen(b)
	}
	return 0, fmt.Errorf("unknown opcode %#x", op)
}

// miscLen: the 0xfc prefix (saturating conversions, bulk memory, tables).
func miscLen(b []byte) (int, error) {
	sub, k, err := readU32(b)
	if err != nil {
		return 0, err
	}
	var n int
	switch {
	case sub <= 7:
		n = 0
	case sub == 8, sub == 10, sub == 12, sub == 14: // two indexes
		n = 2
	case sub == 9, sub == 11, sub == 13, sub >= 15 && sub <= 17:
		n = 1
	default:
		return 0, fmt.Errorf("unknown opcode 0xfc %d", sub)
	}
	m, err := lebsLen(b[k:], n)
	return k + m, err
}

// simdLen: the 0xfd prefix. The binary format encodes the sub-opcode as
// a LEB128 number, but wazero reads one byte (the second byte of an
// opcode above 127 is then 0x01, a nop), and the rewriter must see the
// instructions wazero will run: reading a LEB128 here let fd 80 02 (one
// instruction for a LEB128 reader) hide a block and a loop from it.
func simdLen(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, errTruncated
	}
	sub, k := uint32(b[0]), 1
	switch {
	case sub <= 11, sub == 92, sub == 93: // loads and stores
		m, err := memargLen(b[k:])
		return k + m, err
	case sub == 12, sub == 13: // v128.const, i8x16.shuffle
		return k + 16, nil
	case sub >= 21 && sub <= 34: // extract and replace lane
		return k + 1, nil
	case sub >= 84 && sub <= 91: // load and store lane
		m, err := memargLen(b[k:])
		return k + m + 1, err
	}
	return k, nil
}

// The reference type prefixes of typed function references, followed by
// a heap type. wazero accepts them in block types, select and locals
// even with the proposal off, so they are decoded (a reader taking 0x63
// for a one-byte type would read the heap type that follows as code, and
// a heap type 0x02 then swallows the next instruction as a block type).
const (
	refNullable    = 0x63
	refNonNullable = 0x64
)

// valueTypeLen: a value type, one byte unless it is a reference prefix.
func valueTypeLen(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, errTruncated
	}
	if b[0] == refNullable || b[0] == refNonNullable {
		k, err := heapTypeLen(b[1:])
		return 1 + k, err
	}
	return 1, nil
}

// heapTypeLen: an abstract heap type (one byte) or a type index (s33).
func heapTypeLen(b []byte) (int, error) { return lebLen(b, 5) }

// blockTypeLen: empty, a value type, or a type index (s33).
func blockTypeLen(b []byte) (int, error) {
	if len(b) > 0 && (b[0] == refNullable || b[0] == refNonNullable) {
		return valueTypeLen(b)
	}
	return lebLen(b, 5)
}

// selectTypesLen: select's vector of value types.
func selectTypesLen(b []byte) (int, error) {
	n, i, err := readU32(b)
	if err != nil {
		return 0, err
	}
	if uint64(n) > uint64(len(b)) {
		return 0, errTruncated
	}
	for range n {
		k, err := valueTypeLen(b[i:])
		if err != nil {
			return 0, err
		}
		i += k
	}
	return i, nil
}

// memargLen: alignment (with the multi-memory flag, a memory index) and
// offset.
func memargLen(b []byte) (int, error) {
	align, k, err := readU32(b)
	if err != nil {
		return 0, err
	}
	if align&0x40 != 0 {
		m, err := lebLen(b[k:], 5)
		if err != nil {
			return 0, err
		}
		k += m
	}
	m, err := lebLen(b[k:], 10)
	return k + m, err
}

// vectorLen: a count n, then n+extra LEB128 numbers.
func vectorLen(b []byte, extra int) (int, error) {
	n, k, err := readU32(b)
	if err != nil {
		return 0, err
	}
	if uint64(n) > uint64(len(b)) {
		return 0, errTruncated
	}
	m, err := lebsLen(b[k:], int(n)+extra)
	return k + m, err
}

// lebsLen is the length of n consecutive LEB128 numbers of up to 32 bits.
func lebsLen(b []byte, n int) (int, error) {
	i := 0
	for range n {
		k, err := lebLen(b[i:], 5)
		if err != nil {
			return 0, err
		}
		i += k
	}
	return i, nil
}

// lebLen is the length of the LEB128 number b starts with, of at most max
// bytes.
func lebLen(b []byte, max int) (int, error) {
	for i := 0; i < len(b) && i < max; i++ {
		if b[i]&0x80 == 0 {
			return i + 1, nil
		}
	}
	if len(b) < max {
		return 0, errTruncated
	}
	return 0, fmt.Errorf("LEB128 number longer than %d bytes", max)
}

func readU32(b []byte) (uint32, int, error) {
	var v uint64
	for i := 0; i < len(b) && i < 5; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			if v > 1<<32-1 {
				return 0, 0, fmt.Errorf("u32 out of range")
			}
			return uint32(v), i + 1, nil
		}
	}
	if len(b) < 5 {
		return 0, 0, errTruncated
	}
	return 0, 0, fmt.Errorf("u32 longer than 5 bytes")
}

// appendS32 appends v as a signed LEB128 number (i32.const's immediate).
func appendS32(dst []byte, v int32) []byte {
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && b&0x40 == 0) || (v == -1 && b&0x40 != 0) {
			return append(dst, b)
		}
		dst = append(dst, b|0x80)
	}
}

func appendU32(dst []byte, v uint32) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// readName reads a length-prefixed UTF-8 name and its total length.
func readName(b []byte) (string, int, error) {
	n, k, err := readU32(b)
	if err != nil {
		return "", 0, err
	}
	if uint64(k)+uint64(n) > uint64(len(b)) {
		return "", 0, errTruncated
	}
	s := string(b[k : k+int(n)])
	if !utf8.ValidString(s) {
		return "", 0, fmt.Errorf("name not UTF-8")
	}
	return s, k + int(n), nil
}

func appendName(dst []byte, s string) []byte {
	return append(appendU32(dst, uint32(len(s))), s...)
}
