package wasmta

import "unsafe"

// The readers of the packed inputs (ABI.md section 3.7), which
// unpack_wasip1.go calls field by field. They touch no host call, so
// they build natively too, where FuzzPackedReaders checks their bounds:
// the packed value crosses the ABI, and a host that packs it wrong must
// fault the call (done), not make the guest read past it. le32at and
// le64at load little-endian numbers as wasm does; the native tests run
// on little-endian machines.

// Each read takes the offset of its field in p and returns the offset
// after it. A value shorter than its fields (a host bug) makes the offset
// -1, which every later read keeps and done reports.

func u32(p string, off int) (int, int) {
	if off < 0 || len(p)-off < 4 {
		return 0, -1
	}
	return int(le32at(p, off)), off + 4
}

// str is the one read of most fields. Its checks are the only ones: the
// slice expressions they make safe would each add a bounds check and a
// panic call, and in Go's wasm code generation a call is also a resume
// point, a case of the function's entry dispatch (more code per field).
func str(p string, off int) (string, int) {
	if off < 0 || len(p)-off < 4 {
		return "", -1
	}
	n := int(le32at(p, off))
	off += 4
	if n > len(p)-off {
		return "", -1
	}
	if n == 0 {
		return "", off // never a pointer past the value's end
	}
	return unsafe.String((*byte)(unsafe.Add(unsafe.Pointer(unsafe.StringData(p)), off)), n), off + n
}

func i64(p string, off int) (int64, int) {
	if off < 0 || len(p)-off < 8 {
		return 0, -1
	}
	return le64at(p, off), off + 8
}

// le32at and le64at read the little-endian number at offset off of p,
// which the caller checked is inside p: one load each, where a loop over
// the bytes cost a Go guest a bounds check and a deadline check per byte
// (wasm is little-endian and allows unaligned loads).
func le32at(p string, off int) uint32 {
	return *(*uint32)(unsafe.Add(unsafe.Pointer(unsafe.StringData(p)), off))
}

func le64at(p string, off int) int64 {
	return *(*int64)(unsafe.Add(unsafe.Pointer(unsafe.StringData(p)), off))
}

// list reads a count and that many strs; nil when empty.
func list(p string, off int) ([]string, int) {
	n, off := u32(p, off)
	if n == 0 || off < 0 {
		return nil, off
	}
	if n > (len(p)-off)/4 {
		return nil, -1
	}
	out := strSlab(n)
	for i := range out {
		out[i], off = str(p, off)
	}
	return out, off
}

// meta reads the metadata names and values; nil when there is none.
func meta(p string, off int) (map[string]string, int) {
	names, off := list(p, off)
	n, off := u32(p, off)
	if n != len(names) {
		return nil, -1
	}
	if n == 0 {
		return nil, off
	}
	m := make(map[string]string, n)
	for _, k := range names {
		m[k], off = str(p, off)
	}
	return m, off
}

// zero32 and zero64 report whether the 4 or 8 bytes at off are there and
// zero: an empty list, metadata or pool set, read without calling list,
// meta and decodePools (each Go call is an entry dispatch and a stack
// check of its own, a few cache lines apiece).
func zero32(p string, off int) bool { return off >= 0 && len(p)-off >= 4 && le32at(p, off) == 0 }
func zero64(p string, off int) bool { return off >= 0 && len(p)-off >= 8 && le64at(p, off) == 0 }

// slab is where lists get their items: like the arena, it is only ever
// handed out, never written again, so a handler may keep a list forever
// (its capacity ends with it: an append copies). One allocation per
// slabLen items instead of one per list.
var slab []string

const slabLen = 256

func strSlab(n int) []string {
	if n > slabLen {
		return make([]string, n)
	}
	if len(slab) < n {
		slab = make([]string, slabLen)
	}
	out := slab[:n:n]
	slab = slab[n:]
	return out
}
