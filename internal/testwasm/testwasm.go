// Package testwasm builds WebAssembly policy modules that tests need at
// sizes no hand-written fixture has (testdata/wat holds the others). It
// is test support: only tests import it.
package testwasm

import "encoding/binary"

// Loops is a valid ABI v1 policy whose route runs n empty loops, one after
// the other, then the code tail, and has no opinion (returns 1): 3 bytes
// of code per loop, all in one function. The adversarial pass of issue 12
// pushed n = 10,000, which took 47 s to compile under the first deadline
// guard.
func Loops(n int, tail ...byte) []byte {
	route := []byte{0x00} // no locals
	for range n {
		route = append(route, 0x03, 0x40, 0x0b) // loop end
	}
	route = append(append(route, tail...), 0x41, 0x01, 0x0b) // i32.const 1
	w := []byte("\x00asm\x01\x00\x00\x00")
	w = section(w, 1, 2, 0x60, 0, 0, 0x60, 0, 1, 0x7f) // types () -> (), () -> i32
	w = section(w, 3, 2, 0, 1)                         // the marker, route
	w = section(w, 5, 1, 0, 1)                         // memory 1
	exports := []byte{3}
	exports = append(append(exports, name("memory")...), 0x02, 0)
	exports = append(append(exports, name("wasmta_abi_v1")...), 0x00, 0)
	exports = append(append(exports, name("route")...), 0x00, 1)
	w = section(w, 7, exports...)
	code := []byte{2, 2, 0x00, 0x0b} // two bodies, the marker's empty
	code = append(binary.AppendUvarint(code, uint64(len(route))), route...)
	return section(w, 10, code...)
}

func section(dst []byte, id byte, body ...byte) []byte {
	return append(binary.AppendUvarint(append(dst, id), uint64(len(body))), body...)
}

func name(s string) []byte { return append([]byte{byte(len(s))}, s...) }
