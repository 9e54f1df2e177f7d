//go:build wasip1

package wasmta

import "unsafe"

//go:wasmimport wasmta lookup
//go:noescape
func hostLookup(table, key string, buf unsafe.Pointer, capacity uint32) int32

// lookupBuf is reused from lookup to lookup; the value is copied out.
var lookupBuf = make([]byte, 256)

func lookup(table, key string) (string, bool) {
	for {
		n := hostLookup(table, key, unsafe.Pointer(&lookupBuf[0]), uint32(len(lookupBuf)))
		if n < 0 {
			return "", false
		}
		if int(n) <= len(lookupBuf) {
			return string(lookupBuf[:n]), true
		}
		lookupBuf = make([]byte, n)
	}
}
