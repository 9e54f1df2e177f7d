//go:build wasip1

package wasmta

import (
	"strconv"
	"unsafe"
)

// reader reads the inputs of one call. The host writes every string value
// straight into arena, a chunk that is only ever appended to, and the
// value is a string over those bytes: no copy and no allocation per call.
// A chunk is never written again once a value sits in it, so the strings
// are the author's to keep forever; a full chunk is left to the garbage
// collector (kept alive by whatever strings still point into it) and a
// new one is made. One allocation per chunk instead of one per call
// matters under Go's wasm code generation, where an allocation costs
// about as much as five host calls (docs/RATIONALE.md, "Go SDK: inputs
// read into an append-only arena").
type reader struct {
	arena []byte   // current chunk; bytes below len are handed out
	vals  []string // values read this call, by index
	key   []byte   // scratch for family keys (meta.NAME)
	err   string   // first refused input; faults the call
}

// arenaChunk is the size of a new chunk (more when a value needs it):
// about fifty calls of a typical reception hook.
const arenaChunk = 32 << 10

// str reads string input key and returns the index of its value.
func (r *reader) str(key string) int {
	return r.fetch(key, -1)
}

// fetch reads key (index < 0) or item index of list key into the arena,
// starting a new chunk and asking again when the value is longer than the
// chunk's free space (the value does not change during a call). NOT_FOUND
// and NOT_AVAILABLE read as empty: a key this host does not have yet
// (ABI.md section 9).
func (r *reader) fetch(key string, index int32) int {
	for {
		spare := r.arena[len(r.arena):cap(r.arena)]
		var p unsafe.Pointer
		if len(spare) > 0 {
			p = unsafe.Pointer(&spare[0])
		}
		var n int32
		if index < 0 {
			n = hostGet(key, p, uint32(len(spare)))
		} else {
			n = hostGetAt(key, index, p, uint32(len(spare)))
		}
		if n < 0 {
			r.refuse(key, n)
			n = 0
		}
		if int(n) <= len(spare) {
			var v string
			if n > 0 {
				v = unsafe.String(&spare[0], int(n))
			}
			r.arena = r.arena[:len(r.arena)+int(n)]
			r.vals = append(r.vals, v)
			return len(r.vals) - 1
		}
		r.arena = make([]byte, 0, max(arenaChunk, int(n)))
	}
}

// int reads int input key.
func (r *reader) int(key string) int64 {
	v := hostGetI64(key)
	if v < 0 {
		r.refuse(key, int32(v))
		return 0
	}
	return v
}

// list reads every item of list input key and returns the index of the
// first value and the number of items.
func (r *reader) list(key string) (first, n int) {
	c := hostCount(key)
	if c < 0 {
		r.refuse(key, c)
		return len(r.vals), 0
	}
	first = len(r.vals)
	for i := int32(0); i < c; i++ {
		r.fetch(key, i)
	}
	return first, int(c)
}

// meta reads the metadata names and values: names at [first, first+n),
// values at [first+n, first+2n).
func (r *reader) meta() (first, n int) {
	first, n = r.list("meta")
	for i := 0; i < n; i++ {
		r.key = append(append(r.key[:0], "meta."...), r.vals[first+i]...)
		r.fetch(unsafe.String(&r.key[0], len(r.key)), -1)
	}
	return first, n
}

func (r *reader) refuse(key string, status int32) {
	if status == statusNotFound || status == statusNotAvailable || r.err != "" {
		return
	}
	r.err = "wasmta sdk: input " + key + ": host status " + strconv.Itoa(int(status))
}

// s returns value i.
func (r *reader) s(i int) string { return r.vals[i] }

// strings returns n values from value first.
func (r *reader) strings(first, n int) []string {
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.s(first + i)
	}
	return out
}

// metaMap builds the metadata map read by meta.
func (r *reader) metaMap(first, n int) map[string]string {
	if n == 0 {
		return nil
	}
	m := make(map[string]string, n)
	for i := 0; i < n; i++ {
		m[r.s(first+i)] = r.s(first + n + i)
	}
	return m
}
