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
	// The usual case first, in one host call straight into the arena's
	// free space, without fetch's general path (lists, refusals, a new
	// chunk) and its bookkeeping: 80 cache lines of compiled code fewer.
	if spare := r.arena[len(r.arena):cap(r.arena)]; len(spare) > 0 {
		n := hostGet(inputsKey, unsafe.Pointer(&spare[0]), uint32(len(spare)))
		if n > 0 && int(n) <= len(spare) {
			r.arena = r.arena[:len(r.arena)+int(n)]
			return unpacker{p: unsafe.String(&spare[0], int(n))}, true
		}
	}
	p := r.s(r.str(inputsKey))
	return unpacker{p: p}, p != ""
}

const inputsKey = "inputs"

// done faults the call when the packed value was shorter than the fields
// of the hook. Bytes after them are fields of a later host: ignored.
func done(r *reader, off int) {
	if off < 0 && r.err == "" {
		r.err = "wasmta sdk: packed inputs do not match the hook (host bug)"
	}
}

// A hook's input struct is filled by one loop over a table of its fields,
// in the order the host packs them (ABI.md section 3.7). The loop's code
// is the same for every hook and every field, so a call runs a few cache
// lines of it many times. Written out field by field, as before, each
// string field was about 240 instructions of straight-line compiled code
// (Go's wasm code generation, then wazero's): reading select_pool's and
// on_rcpt's inputs ran 29 KiB of code once per message, all of it out of
// the caches after a relay's work between two messages (docs/benchmarks.md,
// "Policy cost, session 9").
type field struct {
	off  uintptr // of the field in the input struct
	kind fieldKind
}

type fieldKind uint8

const (
	fStr   fieldKind = iota // a string
	fBool                   // an i64, true when 1 (peer.tls)
	fInt64                  // an i64
	fInt                    // an i64 into an int (classify's code)
	fList                   // a list of strings
	fMeta                   // metadata names, then their values, into a map
	fRep                    // the packed reputation counts, into a Reputation
	fPools                  // pool names and their packed counts, into a Reputation's Pools
)

// unpack reads the fields of table fs from the packed value into the
// struct at base; every field of the table is set, as the struct is
// reused by every call (calls_wasip1.go).
func (u unpacker) unpack(r *reader, base unsafe.Pointer, fs []field) {
	p, off := u.p, 0
	for _, f := range fs {
		dst := unsafe.Add(base, f.off)
		switch f.kind {
		case fStr:
			*(*string)(dst), off = str(p, off)
		case fBool:
			var n int64
			n, off = i64(p, off)
			*(*bool)(dst) = n == 1
		case fInt64:
			*(*int64)(dst), off = i64(p, off)
		case fInt:
			var n int64
			n, off = i64(p, off)
			*(*int)(dst) = int(n)
		case fList:
			if zero32(p, off) { // empty: no call of list
				*(*[]string)(dst), off = nil, off+4
				break
			}
			*(*[]string)(dst), off = list(p, off)
		case fMeta:
			if zero64(p, off) { // no names, no values
				*(*map[string]string)(dst), off = nil, off+8
				break
			}
			*(*map[string]string)(dst), off = meta(p, off)
		case fRep:
			var rep string
			rep, off = str(p, off)
			decodeReputation((*Reputation)(dst), rep)
		case fPools:
			if zero64(p, off) { // no names, no counts
				(*Reputation)(dst).Pools, off = nil, off+8
				break
			}
			var names []string
			var packed string
			names, off = list(p, off)
			packed, off = str(p, off)
			(*Reputation)(dst).Pools = decodePools(names, packed)
		}
	}
	done(r, off)
}

// peerFields are the fields common to the reception hooks, of a Peer at
// offset peer and the Tenant and Sender fields at tenant and sender.
func peerFields(peer, tenant, sender uintptr) []field {
	var p Peer
	return []field{
		{peer + unsafe.Offsetof(p.Addr), fStr}, {peer + unsafe.Offsetof(p.IP), fStr},
		{peer + unsafe.Offsetof(p.Helo), fStr}, {peer + unsafe.Offsetof(p.AuthUser), fStr},
		{peer + unsafe.Offsetof(p.TLS), fBool}, {tenant, fStr}, {sender, fStr},
	}
}

var (
	mailFromFields = peerFields(unsafe.Offsetof(mailFromIn.Peer), unsafe.Offsetof(mailFromIn.Tenant),
		unsafe.Offsetof(mailFromIn.Sender))
	rcptFields = append(peerFields(unsafe.Offsetof(rcptIn.Peer), unsafe.Offsetof(rcptIn.Tenant),
		unsafe.Offsetof(rcptIn.Sender)),
		field{unsafe.Offsetof(rcptIn.Campaign), fStr}, field{unsafe.Offsetof(rcptIn.Recipient), fStr})
	// The message's Reputation.Pools is select_pool's only: always nil.
	messageFields = append(peerFields(unsafe.Offsetof(messageIn.Peer), unsafe.Offsetof(messageIn.Tenant),
		unsafe.Offsetof(messageIn.Sender)),
		field{unsafe.Offsetof(messageIn.Campaign), fStr}, field{unsafe.Offsetof(messageIn.Recipients), fList},
		field{unsafe.Offsetof(messageIn.Size), fInt64}, field{unsafe.Offsetof(messageIn.Header), fStr},
		field{unsafe.Offsetof(messageIn.Meta), fMeta}, field{unsafe.Offsetof(messageIn.Reputation), fRep})
	routeFields = []field{{unsafe.Offsetof(routeIn.Tenant), fStr}, {unsafe.Offsetof(routeIn.Campaign), fStr},
		{unsafe.Offsetof(routeIn.Domain), fStr}}
	poolFields = []field{{unsafe.Offsetof(poolIn.Tenant), fStr}, {unsafe.Offsetof(poolIn.Campaign), fStr},
		{unsafe.Offsetof(poolIn.Domain), fStr}, {unsafe.Offsetof(poolIn.Site), fStr},
		{unsafe.Offsetof(poolIn.Meta), fMeta}, {unsafe.Offsetof(poolIn.Reputation), fRep},
		{unsafe.Offsetof(poolIn.Reputation), fPools}}
	shapeFields = []field{{unsafe.Offsetof(shapeIn.Source), fStr}, {unsafe.Offsetof(shapeIn.Pool), fStr},
		{unsafe.Offsetof(shapeIn.Site), fStr}, {unsafe.Offsetof(shapeIn.Domain), fStr},
		{unsafe.Offsetof(shapeIn.MXHosts), fList}, {unsafe.Offsetof(shapeIn.Provider), fStr}}
	classifyFields = []field{{unsafe.Offsetof(classifyIn.Tenant), fStr}, {unsafe.Offsetof(classifyIn.Site), fStr},
		{unsafe.Offsetof(classifyIn.Domain), fStr}, {unsafe.Offsetof(classifyIn.Source), fStr},
		{unsafe.Offsetof(classifyIn.Stage), fStr}, {unsafe.Offsetof(classifyIn.Code), fInt},
		{unsafe.Offsetof(classifyIn.Enhanced), fStr}, {unsafe.Offsetof(classifyIn.Text), fStr}}
)

func (u unpacker) mailFrom(r *reader) { u.unpack(r, unsafe.Pointer(&mailFromIn), mailFromFields) }
func (u unpacker) rcpt(r *reader)     { u.unpack(r, unsafe.Pointer(&rcptIn), rcptFields) }
func (u unpacker) message(r *reader)  { u.unpack(r, unsafe.Pointer(&messageIn), messageFields) }
func (u unpacker) route(r *reader)    { u.unpack(r, unsafe.Pointer(&routeIn), routeFields) }
func (u unpacker) pool(r *reader)     { u.unpack(r, unsafe.Pointer(&poolIn), poolFields) }
func (u unpacker) shape(r *reader)    { u.unpack(r, unsafe.Pointer(&shapeIn), shapeFields) }
func (u unpacker) classify(r *reader) { u.unpack(r, unsafe.Pointer(&classifyIn), classifyFields) }
