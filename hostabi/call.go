package hostabi

import (
	"fmt"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmta/wasmta/mta/policy"
)

// valueKind is the type of an input or result key.
type valueKind uint8

const (
	kindStr valueKind = iota
	kindInt
	kindList
	kindFloat
)

// value is one input value, returned by value so that a lookup allocates
// nothing.
type value struct {
	kind valueKind
	s    string
	b    []byte // used instead of s for byte inputs (the header block)
	n    int64
	list []string
}

func strValue(s string) value    { return value{kind: kindStr, s: s} }
func intValue(n int64) value     { return value{kind: kindInt, n: n} }
func listValue(l []string) value { return value{kind: kindList, list: l} }

// lookupFunc finds input key of a call. It returns status 0 with the
// value, or statusNotFound / statusNotAvailable (see missingInput).
type lookupFunc func(c *call, key string) (value, int32)

// result is one accepted set* of a call.
type result struct {
	def  *resultDef
	name string // NAME of a family key (meta.NAME, header.NAME)
	s    string
	n    int64
	f    float64
}

// call is the state of one hook call. It lives inside its instance and is
// reset by begin, so a call only ever sees the inputs it was given.
type call struct {
	active  bool
	hook    hookID
	in      any
	lookup  lookupFunc
	results []result
	nbytes  int
	logs    int
	fault   error    // first failed host call; faults the call
	scratch []string // per-call derived lists (meta names)
	pack    []byte   // the "inputs" value (packed.go), reused by every call
	packed  bool     // pack holds this call's inputs

	// lookup (ABI v1.4): where, for whom, and what this call read.
	tables      policy.Tables
	tenant      string
	reads       []policy.TableRead
	lookups     int
	lookupBytes int
}

// begin prepares the call for hook h with input in.
func (c *call) begin(h hookID, lookup lookupFunc, in any) {
	c.active, c.hook, c.in, c.lookup = true, h, in, lookup
	c.results = c.results[:0]
	c.nbytes, c.logs, c.fault = 0, 0, nil
	c.scratch, c.packed = nil, false
	c.tenant, c.reads, c.lookups, c.lookupBytes = callTenant(in), c.reads[:0], 0, 0
}

// end drops the references to the caller's input so that the pooled
// instance keeps no other call's data reachable.
func (c *call) end() {
	c.active, c.in, c.lookup, c.scratch, c.tenant = false, nil, nil, nil, ""
	if cap(c.pack) > maxKeptPack {
		c.pack = nil // a large header block: not kept by an idle instance
	}
}

// withholdInputs makes "inputs" NOT_FOUND, as on a host older than
// v1.8: tests use it to run the SDKs' key-by-key path.
var withholdInputs atomic.Bool

// maxKeptPack is the largest "inputs" buffer an instance keeps between
// calls.
const maxKeptPack = 64 << 10

// fail records the first failed host call and returns st, so that callers
// can write `return c.fail(...)`.
func (c *call) fail(st int32, key, format string, args ...any) int32 {
	if c.fault == nil {
		c.fault = fmt.Errorf("%s (%q): %s", statusNames[st], key, fmt.Sprintf(format, args...))
	}
	return st
}

// readKey returns the key at (ptr, n) as a string that aliases guest
// memory. It must not be retained past the host call: the guest owns those
// bytes. Callers copy it (strings.Clone) when they keep it.
func readKey(mem api.Memory, ptr, n uint32) (string, int32) {
	if n == 0 || n > maxKeyLen {
		return "", statusBadArgument
	}
	b, ok := mem.Read(ptr, n)
	// "inputs", the key of most calls' one get (ABI v1.8), is valid
	// UTF-8: two compares instead of utf8.Valid's loop.
	if !ok || string(b) != inputsKey && !utf8.Valid(b) {
		return "", statusBadArgument
	}
	return unsafe.String(&b[0], len(b)), 0
}

// copyOut writes src (string s or bytes b) to the guest buffer (ptr, cap)
// with the snprintf rule of ABI.md: at most cap bytes, return the full
// length.
func copyOut(mem api.Memory, ptr, capacity uint32, s string, b []byte) int32 {
	buf, ok := mem.Read(ptr, capacity)
	if !ok {
		return statusBadArgument
	}
	if b != nil {
		copy(buf, b)
		return int32(len(b))
	}
	copy(buf, s)
	return int32(len(s))
}

// get implements wasmta.get.
func (c *call) get(mem api.Memory, kp, kl, bp, bc uint32) int32 {
	v, key, st := c.input(mem, kp, kl)
	if st < 0 {
		return st
	}
	if v.kind != kindStr {
		return statusWrongType
	}
	if st = copyOut(mem, bp, bc, v.s, v.b); st < 0 {
		return c.fail(st, key, "buffer (%d, %d) outside memory", bp, bc)
	}
	return st
}

// getI64 implements wasmta.get_i64.
func (c *call) getI64(mem api.Memory, kp, kl uint32) int64 {
	v, _, st := c.input(mem, kp, kl)
	if st < 0 {
		return int64(st)
	}
	if v.kind != kindInt {
		return int64(statusWrongType)
	}
	return v.n
}

// count implements wasmta.count.
func (c *call) count(mem api.Memory, kp, kl uint32) int32 {
	v, _, st := c.input(mem, kp, kl)
	if st < 0 {
		return st
	}
	if v.kind != kindList {
		return statusWrongType
	}
	return int32(len(v.list))
}

// getAt implements wasmta.get_at.
func (c *call) getAt(mem api.Memory, kp, kl uint32, index int32, bp, bc uint32) int32 {
	v, key, st := c.input(mem, kp, kl)
	if st < 0 {
		return st
	}
	if index < 0 {
		return c.fail(statusBadArgument, key, "negative index %d", index)
	}
	if v.kind != kindList {
		return statusWrongType
	}
	if int(index) >= len(v.list) {
		return statusNotFound
	}
	if st = copyOut(mem, bp, bc, v.list[index], nil); st < 0 {
		return c.fail(st, key, "buffer (%d, %d) outside memory", bp, bc)
	}
	return st
}

// input reads the key and looks it up. BAD_ARGUMENT faults the call;
// NOT_FOUND and NOT_AVAILABLE are ordinary answers.
func (c *call) input(mem api.Memory, kp, kl uint32) (value, string, int32) {
	if !c.active {
		return value{}, "", statusNotAvailable
	}
	key, st := readKey(mem, kp, kl)
	if st < 0 {
		return value{}, "", c.fail(st, "", "key (%d, %d) outside memory, empty, too long or not UTF-8", kp, kl)
	}
	switch key {
	case "hook":
		return strValue(c.hook.String()), key, 0
	case inputsKey:
		if !withholdInputs.Load() {
			return c.packInputs(), key, 0
		}
	}
	v, st := c.lookup(c, key)
	return v, key, st
}
