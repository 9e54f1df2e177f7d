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

const inputsKey = "inputs"

// short faults the call when the packed value was shorter than the
// fields of the hook (a host bug; bytes after them are fields of a later
// host, ignored), after setting every field of the table to its zero
// value, so that no field holds the previous call's input.
func (r *reader) short(base unsafe.Pointer, fs []field) {
	for _, f := range fs {
		dst := unsafe.Add(base, f.off)
		switch f.kind {
		case fStr:
			*(*string)(dst) = ""
		case fBool:
			*(*bool)(dst) = false
		case fInt64:
			*(*int64)(dst) = 0
		case fInt:
			*(*int)(dst) = 0
		case fList:
			*(*[]string)(dst) = nil
		case fMeta:
			*(*map[string]string)(dst) = nil
		case fRep:
			decodeReputation((*Reputation)(dst), "")
		case fPools:
			(*Reputation)(dst).Pools = nil
		}
	}
	if r.err == "" {
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

// begin starts a hook's call: it resets the reader and the writer and
// reads the packed inputs of the call (ABI v1.8) into the hook's input
// struct, every field of its table (the struct is reused by every call:
// calls_wasip1.go), or key by key from a host older than v1.8.
//
// Under Go's wasm code generation every jump taken goes through the
// function's entry dispatch and the deadline guard's check at the top of
// its loop, about 65 instructions, and every call costs a stack check, an
// entry dispatch and a resume check: this one function reads the inputs
// of every hook, and its usual path takes no jump but its loop's. The
// compiler lays out a branch to a block that calls a function as the
// unlikely one, so the unusual cases are calls (clearErrs, newChunk, the
// fallback) and the usual ones run straight on (docs/benchmarks.md,
// "Policy cost, session 10").
func begin(h *hook) {
	r := &in
	if len(r.err)+len(out.err) != 0 { // the previous call faulted
		clearErrs()
	}
	r.vals = r.vals[:0]
	// The usual case, in one host call straight into the arena's free
	// space, without fetch's general path (lists, refusals, a new chunk)
	// and its bookkeeping: 80 cache lines of compiled code fewer.
	spare := r.arena[len(r.arena):cap(r.arena)]
	if len(spare) == 0 {
		spare = r.newChunk()
	}
	var p string
	if n := hostGet(inputsKey, unsafe.Pointer(&spare[0]), uint32(len(spare))); n > 0 && int(n) <= len(spare) {
		r.arena = r.arena[:len(r.arena)+int(n)]
		p = unsafe.String(&spare[0], int(n))
	} else if p = r.s(r.str(inputsKey)); p == "" {
		h.read(r) // a host older than v1.8: key by key
		return
	}
	base, fs := h.in, h.fields
	off := 0
	for _, f := range fs {
		dst := unsafe.Add(base, f.off)
		if f.kind == fStr {
			// Most fields, read here rather than by str: the checks
			// are written so that a field that passes them runs without
			// a jump, and a failed one leaves the loop. Under Go's wasm
			// code generation every jump taken goes through the
			// function's entry dispatch and the deadline guard's check
			// at the top of its loop; str's -1 convention cost a string
			// field four of them, this one two (the write barrier's
			// test and the loop's own).
			if len(p)-off < 4 {
				goto short
			}
			n := int(le32at(p, off))
			off += 4
			if uint(n) > uint(len(p)-off) {
				goto short
			}
			at := off
			if n == 0 {
				at = 0 // never a pointer past the value's end
			}
			v := unsafe.Add(unsafe.Pointer(unsafe.StringData(p)), at)
			off += n
			if notMarking() {
				// The store the compiler's own barrier test makes
				// when the collector is not marking, without that
				// test's jump (gc_wasip1.go, storeNoMark).
				storeNoMark(dst, v, n)
				continue
			}
			*(*string)(dst) = unsafe.String((*byte)(v), n)
			continue
		}
		switch f.kind {
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
		if off < 0 {
			goto short
		}
	}
	return
short:
	r.short(base, fs)
}

// clearErrs clears the errors of a faulted call before the next one.
//
//go:noinline
func clearErrs() { in.err, out.err = "", "" }

// newChunk starts a new arena chunk and returns its free space.
//
//go:noinline
func (r *reader) newChunk() []byte {
	r.arena = make([]byte, 0, arenaChunk)
	return r.arena[:cap(r.arena)]
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

// hook is what begin needs of a hook: its input struct and the table of
// its packed fields, and the reader of its inputs key by key (a host
// older than v1.8).
type hook struct {
	in     unsafe.Pointer
	fields []field
	read   func(r *reader)
}

var (
	mailFromHook = hook{unsafe.Pointer(&mailFromIn), mailFromFields, readMailFrom}
	rcptHook     = hook{unsafe.Pointer(&rcptIn), rcptFields, readRcpt}
	messageHook  = hook{unsafe.Pointer(&messageIn), messageFields, readMessage}
	routeHook    = hook{unsafe.Pointer(&routeIn), routeFields, readRoute}
	poolHook     = hook{unsafe.Pointer(&poolIn), poolFields, readSelectPool}
	shapeHook    = hook{unsafe.Pointer(&shapeIn), shapeFields, readShape}
	classifyHook = hook{unsafe.Pointer(&classifyIn), classifyFields, readClassify}
)
