//go:build wasip1

package wasmta

import (
	"strconv"
	"unsafe"
)

// reader reads the inputs of one call. Every string value is appended to
// buf, a buffer kept from call to call, and text() then turns all of them
// into one Go string: one allocation per call whatever the number of
// inputs, and strings the author may keep forever (they never alias the
// reused buffer).
type reader struct {
	buf   []byte
	spans []span
	key   []byte // scratch for family keys (meta.NAME)
	all   string // set by text()
	err   string // first refused input; faults the call
}

type span struct{ start, end int }

const initialReadBuffer = 1024

func (r *reader) reset() {
	if r.buf == nil {
		r.buf = make([]byte, 0, initialReadBuffer)
	}
	r.buf, r.spans, r.all, r.err = r.buf[:0], r.spans[:0], "", ""
}

// str reads string input key and returns the index of its span.
func (r *reader) str(key string) int {
	return r.fetch(key, -1)
}

// fetch reads key (index < 0) or item index of list key into buf, growing
// buf and asking again when the value is longer than the free space (the
// value does not change during a call). NOT_FOUND and NOT_AVAILABLE read
// as empty: a key this host does not have yet (ABI.md section 9).
func (r *reader) fetch(key string, index int32) int {
	start := len(r.buf)
	for {
		spare := r.buf[start:cap(r.buf)]
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
			r.buf = r.buf[:start+int(n)]
			r.spans = append(r.spans, span{start, start + int(n)})
			return len(r.spans) - 1
		}
		r.grow(int(n))
	}
}

// grow makes room for n more bytes after len(buf), keeping the contents.
func (r *reader) grow(n int) {
	c := 2 * cap(r.buf)
	if c < len(r.buf)+n {
		c = len(r.buf) + n
	}
	b := make([]byte, len(r.buf), c)
	copy(b, r.buf)
	r.buf = b
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
// first span and the number of items.
func (r *reader) list(key string) (first, n int) {
	c := hostCount(key)
	if c < 0 {
		r.refuse(key, c)
		return len(r.spans), 0
	}
	first = len(r.spans)
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
		s := r.spans[first+i]
		r.key = append(append(r.key[:0], "meta."...), r.buf[s.start:s.end]...)
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

// text makes the one string of this call; call it after the last read.
func (r *reader) text() { r.all = string(r.buf) }

// s returns the value of span i (after text).
func (r *reader) s(i int) string { return r.all[r.spans[i].start:r.spans[i].end] }

// strings returns n values from span first (after text).
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

// metaMap builds the metadata map read by meta (after text).
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
