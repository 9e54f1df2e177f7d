//go:build wasip1

package wasmta

import "unsafe"

// The input structs live in package variables and are overwritten by the
// next call, so a call allocates no input struct (a handler's pointer
// argument would otherwise escape to the heap). Handlers may keep the
// strings (they never alias a reused buffer) but not the pointer.
var (
	mailFromIn MailFromInput
	rcptIn     RcptInput
	messageIn  MessageInput
	routeIn    RouteInput
	poolIn     PoolInput
	shapeIn    ShapeInput
	classifyIn ClassifyInput
)

// peer reads the inputs common to the reception hooks; indexes of the
// spans: addr, ip, helo, auth_user, tenant, sender.
func (r *reader) peer() (spans [6]int, tls bool) {
	spans[0] = r.str("peer.addr")
	spans[1] = r.str("peer.ip")
	spans[2] = r.str("peer.helo")
	spans[3] = r.str("peer.auth_user")
	spans[4] = r.str("tenant")
	spans[5] = r.str("sender")
	return spans, r.int("peer.tls") == 1
}

func (r *reader) peerValue(spans [6]int, tls bool) Peer {
	return Peer{Addr: r.s(spans[0]), IP: r.s(spans[1]), Helo: r.s(spans[2]), AuthUser: r.s(spans[3]), TLS: tls}
}

// reputation reads the counts in one host call: the "reputation" input
// packs the twenty of them (ABI v1.3; an older host answers NOT_FOUND,
// read as empty: all zero). Call decodeReputation on the span after text.
func (r *reader) reputation() int { return r.str("reputation") }

// decodeReputation decodes the packed counts into rep (all zero when p is
// not 160 bytes: a host older than v1.3): little-endian int64s, per scope
// and window in the order of Reputation's fields, each Deliveries,
// Bounces, HardBounces, OOBBounces, Complaints. That is the layout of
// Reputation's four counts in memory (wasm is little-endian; the
// declarations below fail to compile if the fields move), so the decoding
// is one copy: field by field it was 110 lines of compiled code per call.
// rep.Pools is left as it is.
func decodeReputation(rep *Reputation, p string) {
	counts := (*[160]byte)(unsafe.Pointer(&rep.Tenant1h))
	if len(p) != 160 {
		*counts = [160]byte{}
		return
	}
	copy(counts[:], p)
}

// decodeCounts decodes five packed counts (40 bytes): Deliveries,
// Bounces, HardBounces, OOBBounces, Complaints; one copy, as above.
func decodeCounts(c *ReputationCounts, p string) {
	copy((*[40]byte)(unsafe.Pointer(c))[:], p[:40])
}

// The layout decodeReputation and decodeCounts copy into: an index out of
// range (a compile error) when a field moves.
var (
	_ = [1]int{}[unsafe.Offsetof(Reputation{}.Tenant24h)-40]
	_ = [1]int{}[unsafe.Offsetof(Reputation{}.Campaign1h)-80]
	_ = [1]int{}[unsafe.Offsetof(Reputation{}.Campaign24h)-120]
	_ = [1]int{}[unsafe.Offsetof(Reputation{}.Tenant1h)]
	_ = [1]int{}[unsafe.Sizeof(ReputationCounts{})-40]
	_ = [1]int{}[unsafe.Offsetof(ReputationCounts{}.Bounces)-8]
	_ = [1]int{}[unsafe.Offsetof(ReputationCounts{}.HardBounces)-16]
	_ = [1]int{}[unsafe.Offsetof(ReputationCounts{}.OOBBounces)-24]
	_ = [1]int{}[unsafe.Offsetof(ReputationCounts{}.Complaints)-32]
)

// decodePools pairs the "pools" input with the packed "reputation.pools"
// (ABI v1.7: 80 bytes a pool, its 1h then its 24h counts); an older host
// has neither, and a mismatch reads as no pools.
func decodePools(names []string, p string) []PoolReputation {
	if len(names) == 0 || len(p) != 80*len(names) {
		return nil
	}
	out := poolSlab(len(names))
	for i, name := range names {
		out[i].Pool = name
		decodeCounts(&out[i].H1, p[80*i:])
		decodeCounts(&out[i].H24, p[80*i+40:])
	}
	return out
}

// pools is where decodePools gets its items, as lists get theirs from
// slab (unpack_wasip1.go): handed out once, never written again, so a
// handler may keep Reputation.Pools; one allocation per poolsLen items
// instead of one per select_pool call, whose items hold strings and so
// cost the collector's scan bookkeeping too.
var pools []PoolReputation

const poolsLen = 64

func poolSlab(n int) []PoolReputation {
	if n > poolsLen {
		return make([]PoolReputation, n)
	}
	if len(pools) < n {
		pools = make([]PoolReputation, poolsLen)
	}
	out := pools[:n:n]
	pools = pools[n:]
	return out
}

// readMailFrom reads the inputs key by key (a host older than v1.8).
func readMailFrom(r *reader) {
	p, tls := r.peer()
	mailFromIn = MailFromInput{Peer: r.peerValue(p, tls), Tenant: r.s(p[4]), Sender: r.s(p[5])}
}

// readRcpt reads the inputs key by key (a host older than v1.8).
func readRcpt(r *reader) {
	p, tls := r.peer()
	campaign, rcpt := r.str("campaign"), r.str("recipient")
	rcptIn = RcptInput{
		Peer: r.peerValue(p, tls), Tenant: r.s(p[4]), Sender: r.s(p[5]),
		Campaign: r.s(campaign), Recipient: r.s(rcpt),
	}
}

// readMessage reads the inputs key by key (a host older than v1.8).
func readMessage(r *reader) {
	p, tls := r.peer()
	campaign, header := r.str("campaign"), r.str("header")
	rfirst, rn := r.list("recipients")
	mfirst, mn := r.meta()
	size := r.int("size")
	rep := r.reputation()
	messageIn = MessageInput{
		Peer: r.peerValue(p, tls), Tenant: r.s(p[4]), Sender: r.s(p[5]),
		Campaign: r.s(campaign), Recipients: r.strings(rfirst, rn), Size: size,
		Header: r.s(header), Meta: r.metaMap(mfirst, mn),
	}
	decodeReputation(&messageIn.Reputation, r.s(rep))
}

// readRoute reads the inputs key by key (a host older than v1.8).
func readRoute(r *reader) {
	tenant, campaign, domain := r.str("tenant"), r.str("campaign"), r.str("domain")
	routeIn = RouteInput{Tenant: r.s(tenant), Campaign: r.s(campaign), Domain: r.s(domain)}
}

// readSelectPool reads the inputs key by key (a host older than v1.8).
func readSelectPool(r *reader) {
	tenant, campaign, domain, site := r.str("tenant"), r.str("campaign"), r.str("domain"), r.str("site")
	mfirst, mn := r.meta()
	rep := r.reputation()
	pfirst, pn := r.list("pools")
	packed := r.str("reputation.pools")
	poolIn = PoolInput{
		Tenant: r.s(tenant), Campaign: r.s(campaign), Domain: r.s(domain),
		Site: r.s(site), Meta: r.metaMap(mfirst, mn),
	}
	decodeReputation(&poolIn.Reputation, r.s(rep))
	poolIn.Reputation.Pools = decodePools(r.strings(pfirst, pn), r.s(packed))
}

// readShape reads the inputs key by key (a host older than v1.8).
func readShape(r *reader) {
	source, pool, site, domain := r.str("source"), r.str("pool"), r.str("site"), r.str("domain")
	provider := r.str("provider")
	mxFirst, mxN := r.list("mx_hosts")
	shapeIn = ShapeInput{
		Source: r.s(source), Pool: r.s(pool), Site: r.s(site), Domain: r.s(domain),
		MXHosts: r.strings(mxFirst, mxN), Provider: r.s(provider),
	}
}

// readClassify reads the inputs key by key (a host older than v1.8).
func readClassify(r *reader) {
	tenant, site, domain, source := r.str("tenant"), r.str("site"), r.str("domain"), r.str("source")
	stage, enhanced, text := r.str("stage"), r.str("enhanced"), r.str("text")
	code := r.int("code")
	classifyIn = ClassifyInput{
		Tenant: r.s(tenant), Site: r.s(site), Domain: r.s(domain), Source: r.s(source),
		Stage: r.s(stage), Code: int(code), Enhanced: r.s(enhanced), Text: r.s(text),
	}
}
