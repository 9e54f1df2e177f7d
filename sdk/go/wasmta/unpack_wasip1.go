//go:build wasip1

package wasmta

import "unsafe"

// A hook's inputs come in one host call: the "inputs" key packs them all
// (ABI v1.8, ABI.md section 3.7). Each host call costs a Go guest about a
// microsecond when its code and memory are out of the caches, as they are
// between two messages of a busy relay, and a reception hook read ten to
// twenty keys one by one. An older host answers NOT_FOUND (read as empty),
// and the call* functions then read the keys one by one.
//
// The fields are read by plain functions of the value and an offset,
// which Go's wasm code generation keeps in wasm locals, and stored
// straight into the hook's input struct. A reader struct updated through
// a pointer, and inputs built in a temporary and then copied, kept every
// step in linear memory and cost the guest more than the host call did.

// unpacker is the packed inputs of one call. The strings read from it
// alias the reader's arena, like every input value (read_wasip1.go).
type unpacker struct{ p string }

// inputs reads the packed inputs of the call; ok is false when the host
// has none (older than v1.8).
func (r *reader) inputs() (u unpacker, ok bool) {
	p := r.s(r.str("inputs"))
	return unpacker{p: p}, p != ""
}

// Each read takes the offset of its field in p and returns the offset
// after it. A value shorter than its fields (a host bug) makes the offset
// -1, which every later read keeps and done reports.

func u32(p string, off int) (int, int) {
	if off < 0 || len(p)-off < 4 {
		return 0, -1
	}
	return int(le32(p[off:])), off + 4
}

func str(p string, off int) (string, int) {
	n, off := u32(p, off)
	if off < 0 || n > len(p)-off {
		return "", -1
	}
	return p[off : off+n], off + n
}

func i64(p string, off int) (int64, int) {
	if off < 0 || len(p)-off < 8 {
		return 0, -1
	}
	return le64(p[off:]), off + 8
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

// peer reads the inputs common to the reception hooks.
func peer(p string, off int, pr *Peer, tenant, sender *string) int {
	pr.Addr, off = str(p, off)
	pr.IP, off = str(p, off)
	pr.Helo, off = str(p, off)
	pr.AuthUser, off = str(p, off)
	var tls int64
	tls, off = i64(p, off)
	pr.TLS = tls == 1
	*tenant, off = str(p, off)
	*sender, off = str(p, off)
	return off
}

// done faults the call when the packed value was shorter than the fields
// of the hook. Bytes after them are fields of a later host: ignored.
func done(r *reader, off int) {
	if off < 0 && r.err == "" {
		r.err = "wasmta sdk: packed inputs do not match the hook (host bug)"
	}
}

// Each hook's reader sets every field of its input struct: the struct is
// reused by every call (calls_wasip1.go).

func (u unpacker) mailFrom(r *reader) {
	in := &mailFromIn
	done(r, peer(u.p, 0, &in.Peer, &in.Tenant, &in.Sender))
}

func (u unpacker) rcpt(r *reader) {
	p, in := u.p, &rcptIn
	off := peer(p, 0, &in.Peer, &in.Tenant, &in.Sender)
	in.Campaign, off = str(p, off)
	in.Recipient, off = str(p, off)
	done(r, off)
}

func (u unpacker) message(r *reader) {
	p, in := u.p, &messageIn
	off := peer(p, 0, &in.Peer, &in.Tenant, &in.Sender)
	in.Campaign, off = str(p, off)
	in.Recipients, off = list(p, off)
	in.Size, off = i64(p, off)
	in.Header, off = str(p, off)
	in.Meta, off = meta(p, off)
	var rep string
	rep, off = str(p, off)
	decodeReputation(&in.Reputation, rep)
	in.Reputation.Pools = nil // select_pool's only
	done(r, off)
}

func (u unpacker) route(r *reader) {
	p, in := u.p, &routeIn
	var off int
	in.Tenant, off = str(p, 0)
	in.Campaign, off = str(p, off)
	in.Domain, off = str(p, off)
	done(r, off)
}

func (u unpacker) pool(r *reader) {
	p, in := u.p, &poolIn
	var off int
	in.Tenant, off = str(p, 0)
	in.Campaign, off = str(p, off)
	in.Domain, off = str(p, off)
	in.Site, off = str(p, off)
	in.Meta, off = meta(p, off)
	var rep, packed string
	rep, off = str(p, off)
	decodeReputation(&in.Reputation, rep)
	var names []string
	names, off = list(p, off)
	packed, off = str(p, off)
	in.Reputation.Pools = decodePools(names, packed)
	done(r, off)
}

func (u unpacker) shape(r *reader) {
	p, in := u.p, &shapeIn
	var off int
	in.Source, off = str(p, 0)
	in.Pool, off = str(p, off)
	in.Site, off = str(p, off)
	in.Domain, off = str(p, off)
	in.MXHosts, off = list(p, off)
	in.Provider, off = str(p, off)
	done(r, off)
}

func (u unpacker) classify(r *reader) {
	p, in := u.p, &classifyIn
	var off int
	in.Tenant, off = str(p, 0)
	in.Site, off = str(p, off)
	in.Domain, off = str(p, off)
	in.Source, off = str(p, off)
	in.Stage, off = str(p, off)
	var code int64
	code, off = i64(p, off)
	in.Code = int(code)
	in.Enhanced, off = str(p, off)
	in.Text, off = str(p, off)
	done(r, off)
}

// le32 and le64 read the little-endian number at the start of p, which
// holds at least 4 or 8 bytes (the callers check): one load each, where a
// loop over the bytes cost a Go guest a bounds check and a deadline check
// per byte (wasm is little-endian and allows unaligned loads).
func le32(p string) uint32 { return *(*uint32)(unsafe.Pointer(unsafe.StringData(p))) }

func le64(p string) int64 { return *(*int64)(unsafe.Pointer(unsafe.StringData(p))) }

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
