package wasmta

import (
	"encoding/binary"
	"testing"
	"unsafe"
)

// packStrs packs strings as the host does (hostabi/packed.go): a
// little-endian u32 length, then the bytes.
func packStrs(dst []byte, ss ...string) []byte {
	for _, s := range ss {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(s)))
		dst = append(dst, s...)
	}
	return dst
}

// inside reports whether s lies within p's bytes (an empty s anywhere).
func inside(p, s string) bool {
	if s == "" {
		return true
	}
	b, e := uintptr(unsafe.Pointer(unsafe.StringData(p))), uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return e >= b && e+uintptr(len(s)) <= b+uintptr(len(p))
}

func TestPackedReadersRoundTrip(t *testing.T) {
	var p []byte
	p = packStrs(p, "tenant", "")
	p = binary.LittleEndian.AppendUint64(p, 1)
	p = binary.LittleEndian.AppendUint32(p, 2)
	p = packStrs(p, "a@x.example", "b@y.example")
	p = binary.LittleEndian.AppendUint32(p, 1) // metadata: one name
	p = packStrs(p, "k")
	p = binary.LittleEndian.AppendUint32(p, 1) // and one value
	p = packStrs(p, "v")
	s := string(p)

	tenant, off := str(s, 0)
	empty, off := str(s, off)
	tls, off := i64(s, off)
	listAt := off
	rcpts, off := list(s, off)
	metaAt := off
	m, off := meta(s, off)
	if tenant != "tenant" || empty != "" || tls != 1 || len(rcpts) != 2 || rcpts[1] != "b@y.example" ||
		len(m) != 1 || m["k"] != "v" || off != len(s) {
		t.Fatalf("read %q %q %d %q %v, end %d of %d", tenant, empty, tls, rcpts, m, off, len(s))
	}
	// Every value cut short of a field's end is a host bug: -1, no panic.
	for cut := range len(s) {
		if _, off := str(s[:cut], 0); cut < 10 && off != -1 {
			t.Errorf("str cut at %d: offset %d, want -1", cut, off)
		}
		if _, off := list(s[:cut], listAt); cut < metaAt && off != -1 {
			t.Errorf("list cut at %d: offset %d, want -1", cut, off)
		}
		if _, off := meta(s[:cut], metaAt); off != -1 {
			t.Errorf("meta cut at %d: offset %d, want -1", cut, off)
		}
	}
}

// FuzzPackedReaders reads a fuzzed value as a sequence of fields (ops
// picks each reader) and checks the readers' contract: no read past the
// value (the strings they return lie inside it), offsets only grow, and
// once a read fails (-1) every later read fails too. The value comes
// from the host across the ABI: a wrong one must fault the call, not
// crash the guest or hand it memory beyond the value.
func FuzzPackedReaders(f *testing.F) {
	f.Add(packStrs(nil, "a", "bc"), []byte{0, 0, 3})
	f.Add(binary.LittleEndian.AppendUint32(packStrs(binary.LittleEndian.AppendUint32(nil, 1), "k"), 1), []byte{4, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3}, []byte{0, 1, 2, 3, 4, 5})
	f.Add([]byte{2, 0, 0, 0, 1, 0, 0, 0, 'x'}, []byte{3})
	f.Fuzz(func(t *testing.T, data []byte, ops []byte) {
		p := string(data)
		off := 0
		for _, op := range ops {
			prev := off
			switch op % 6 {
			case 0:
				var s string
				s, off = str(p, off)
				if !inside(p, s) {
					t.Fatalf("str at %d: %d bytes outside the value", prev, len(s))
				}
			case 1:
				_, off = u32(p, off)
			case 2:
				_, off = i64(p, off)
			case 3:
				var l []string
				l, off = list(p, off)
				for _, s := range l {
					if !inside(p, s) {
						t.Fatalf("list at %d: an item outside the value", prev)
					}
				}
				if len(l) > len(p)/4 {
					t.Fatalf("list at %d: %d items from %d bytes", prev, len(l), len(p))
				}
			case 4:
				var m map[string]string
				m, off = meta(p, off)
				for k, v := range m {
					if !inside(p, k) || !inside(p, v) {
						t.Fatalf("meta at %d: a name or value outside the value", prev)
					}
				}
			case 5:
				z32, z64 := zero32(p, off), zero64(p, off)
				if z64 && !z32 {
					t.Fatalf("zero64 without zero32 at %d", off)
				}
			}
			switch {
			case prev < 0 && off != -1:
				t.Fatalf("op %d: offset %d after a failed read", op%6, off)
			case off < -1 || off > len(p) || off >= 0 && off < prev:
				t.Fatalf("op %d: offset %d after %d, value of %d bytes", op%6, off, prev, len(p))
			}
		}
	})
}
