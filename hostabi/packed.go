package hostabi

import (
	"encoding/binary"
	"slices"

	"github.com/wasmta/wasmta/mta/policy"
)

// inputsKey is the input that packs every fixed input of the hook into one
// str (ABI v1.8, section 3.7): an SDK that reads them all makes one host
// call per hook instead of ten to twenty. Each host call out of a guest
// costs a Go guest a third of a microsecond warm and about a microsecond
// when its code and memory are out of the caches, as they are between two
// messages of a relay (docs/RATIONALE.md, "Packed inputs").
const inputsKey = "inputs"

// packInputs returns the "inputs" value of the current call, built once
// per call: a guest whose buffer is too small asks again with a larger
// one and gets the same bytes.
func (c *call) packInputs() value {
	if !c.packed {
		c.pack = appendInputs(c.pack[:0], c.in)
		c.packed = true
	}
	return value{kind: kindStr, b: c.pack}
}

// appendInputs appends the packed inputs of in, in the order of ABI.md
// section 3.7: a str is a little-endian u32 length and its bytes, an int
// 8 bytes little-endian, a list a u32 count and its items as strs.
func appendInputs(b []byte, in any) []byte {
	switch in := in.(type) {
	case *policy.MailFromInput:
		b = appendPeer(b, &in.Peer, in.Tenant, in.Sender)
	case *policy.RcptInput:
		b = appendPeer(b, &in.Peer, in.Tenant, in.Sender)
		b = appendStrs(b, in.Campaign, in.Recipient)
	case *policy.MessageInput:
		b = appendPeer(b, &in.Peer, in.Tenant, in.Sender)
		b = appendStrs(b, in.Campaign)
		b = appendList(b, in.Recipients)
		b = binary.LittleEndian.AppendUint64(b, uint64(max(in.Size, 0)))
		b = appendBytes(b, in.Header)
		b = appendMeta(b, in.Meta)
		b = appendReputation(b, in.Reputation)
	case *policy.RouteInput:
		b = appendStrs(b, in.Tenant, in.Campaign, in.Domain)
	case *policy.PoolInput:
		b = appendStrs(b, in.Tenant, in.Campaign, in.Domain, in.Site)
		b = appendMeta(b, in.Meta)
		b = appendReputation(b, in.Reputation)
		var pools []policy.PoolReputation
		if in.Reputation != nil {
			pools = in.Reputation.Pools
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(len(pools)))
		for i := range pools {
			b = appendStrs(b, pools[i].Pool)
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(80*len(pools)))
		b = appendPoolCounts(b, pools)
	case *policy.ShapeInput:
		b = appendStrs(b, in.Source, in.Pool, in.Site, in.Domain)
		b = appendList(b, in.MXHosts)
		b = appendStrs(b, in.Provider)
	case *policy.ClassifyInput:
		b = appendStrs(b, in.Tenant, in.Site, in.Domain, in.Source, in.Stage)
		b = binary.LittleEndian.AppendUint64(b, uint64(max(in.Code, 0)))
		b = appendStrs(b, in.Enhanced, in.Text)
	}
	return b
}

// appendPeer appends the inputs common to the reception hooks: peer.addr,
// peer.ip, peer.helo, peer.auth_user, peer.tls, tenant, sender.
func appendPeer(b []byte, p *policy.Peer, tenant, sender string) []byte {
	b = appendStrs(b, p.Addr, peerIP(p), p.Helo, p.AuthUser)
	var tls uint64
	if p.TLS {
		tls = 1
	}
	b = binary.LittleEndian.AppendUint64(b, tls)
	return appendStrs(b, tenant, sender)
}

// appendMeta appends the metadata as two lists of the same length: the
// names, sorted, then their values.
func appendMeta(b []byte, m map[string]string) []byte {
	if len(m) == 0 {
		return binary.LittleEndian.AppendUint64(b, 0) // no names, no values
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	b = appendList(b, names)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(names)))
	for _, k := range names {
		b = appendStrs(b, m[k])
	}
	return b
}

func appendStrs(b []byte, ss ...string) []byte {
	for _, s := range ss {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return b
}

// appendReputation appends the "reputation" input (packReputation) in
// place: a str of the twenty counts.
func appendReputation(b []byte, r *policy.Reputation) []byte {
	return appendReputationCounts(binary.LittleEndian.AppendUint32(b, 160), r)
}

func appendBytes(b, v []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
	return append(b, v...)
}

func appendList(b []byte, l []string) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(l)))
	return appendStrs(b, l...)
}
