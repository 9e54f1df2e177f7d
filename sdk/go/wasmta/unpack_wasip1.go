//go:build wasip1

package wasmta

import "unsafe"

// A hook's inputs come in one host call: the "inputs" key packs them all
// (ABI v1.8, ABI.md section 3.7). Each host call costs a Go guest about a
// microsecond when its code and memory are out of the caches, as they are
// between two messages of a busy relay, and a reception hook read ten to
// twenty keys one by one. An older host answers NOT_FOUND (read as empty),
// and the call* functions then read the keys one by one.

// unpacker reads the packed inputs in order. The strings it returns alias
// the reader's arena, like every input value (read_wasip1.go).
type unpacker struct {
	p   string
	bad bool // the value was shorter than its fields: a host bug
}

// inputs reads the packed inputs of the call; ok is false when the host
// has none (older than v1.8).
func (r *reader) inputs() (u unpacker, ok bool) {
	p := r.s(r.str("inputs"))
	return unpacker{p: p}, p != ""
}

func (u *unpacker) u32() int {
	if len(u.p) < 4 {
		u.bad, u.p = true, ""
		return 0
	}
	n := int(le32(u.p))
	u.p = u.p[4:]
	return n
}

func (u *unpacker) str() string {
	n := u.u32()
	if n > len(u.p) {
		u.bad, u.p = true, ""
		return ""
	}
	s := u.p[:n]
	u.p = u.p[n:]
	return s
}

func (u *unpacker) int() int64 {
	if len(u.p) < 8 {
		u.bad, u.p = true, ""
		return 0
	}
	v := le64(u.p)
	u.p = u.p[8:]
	return v
}

// list reads a count and that many strs; nil when empty.
func (u *unpacker) list() []string {
	n := u.u32()
	if n == 0 || n > len(u.p)/4 {
		u.bad = u.bad || n != 0
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = u.str()
	}
	return out
}

// meta reads the metadata names and values; nil when there is none.
func (u *unpacker) meta() map[string]string {
	names := u.list()
	if n := u.u32(); n != len(names) {
		u.bad = true
		return nil
	}
	if len(names) == 0 {
		return nil
	}
	m := make(map[string]string, len(names))
	for _, k := range names {
		m[k] = u.str()
	}
	return m
}

// peer reads the inputs common to the reception hooks.
func (u *unpacker) peer() (p Peer, tenant, sender string) {
	p = Peer{Addr: u.str(), IP: u.str(), Helo: u.str(), AuthUser: u.str()}
	p.TLS = u.int() == 1
	return p, u.str(), u.str()
}

// done faults the call when the packed value was shorter than the fields
// of the hook. Bytes after them are fields of a later host: ignored.
func (u *unpacker) done(r *reader) {
	if u.bad && r.err == "" {
		r.err = "wasmta sdk: packed inputs do not match the hook (host bug)"
	}
}

func (u *unpacker) mailFrom(r *reader) {
	p, tenant, sender := u.peer()
	mailFromIn = MailFromInput{Peer: p, Tenant: tenant, Sender: sender}
	u.done(r)
}

func (u *unpacker) rcpt(r *reader) {
	p, tenant, sender := u.peer()
	rcptIn = RcptInput{Peer: p, Tenant: tenant, Sender: sender, Campaign: u.str(), Recipient: u.str()}
	u.done(r)
}

func (u *unpacker) message(r *reader) {
	p, tenant, sender := u.peer()
	messageIn = MessageInput{Peer: p, Tenant: tenant, Sender: sender, Campaign: u.str(),
		Recipients: u.list(), Size: u.int(), Header: u.str(), Meta: u.meta()}
	messageIn.Reputation = decodeReputation(u.str())
	u.done(r)
}

func (u *unpacker) route(r *reader) {
	routeIn = RouteInput{Tenant: u.str(), Campaign: u.str(), Domain: u.str()}
	u.done(r)
}

func (u *unpacker) pool(r *reader) {
	poolIn = PoolInput{Tenant: u.str(), Campaign: u.str(), Domain: u.str(), Site: u.str(), Meta: u.meta()}
	poolIn.Reputation = decodeReputation(u.str())
	names := u.list()
	poolIn.Reputation.Pools = decodePools(names, u.str())
	u.done(r)
}

func (u *unpacker) shape(r *reader) {
	shapeIn = ShapeInput{Source: u.str(), Pool: u.str(), Site: u.str(), Domain: u.str(),
		MXHosts: u.list(), Provider: u.str()}
	u.done(r)
}

func (u *unpacker) classify(r *reader) {
	classifyIn = ClassifyInput{Tenant: u.str(), Site: u.str(), Domain: u.str(), Source: u.str(), Stage: u.str()}
	classifyIn.Code = int(u.int())
	classifyIn.Enhanced, classifyIn.Text = u.str(), u.str()
	u.done(r)
}

// le32 and le64 read the little-endian number at the start of p, which
// holds at least 4 or 8 bytes (the callers check): one load each, where a
// loop over the bytes cost a Go guest a bounds check and a deadline check
// per byte (wasm is little-endian and allows unaligned loads).
func le32(p string) uint32 { return *(*uint32)(unsafe.Pointer(unsafe.StringData(p))) }

func le64(p string) int64 { return *(*int64)(unsafe.Pointer(unsafe.StringData(p))) }
