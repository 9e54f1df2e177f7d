package hostabi

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
)

// packedField is one field of the "inputs" layout of ABI.md section 3.7:
// the key it packs and its type.
type packedField struct {
	key  string
	kind valueKind
}

var peerFields = []packedField{{"peer.addr", kindStr}, {"peer.ip", kindStr}, {"peer.helo", kindStr},
	{"peer.auth_user", kindStr}, {"peer.tls", kindInt}, {"tenant", kindStr}, {"sender", kindStr}}

// packedLayouts is section 3.7's table. "meta" stands for the names and
// then the values; "reputation" and "reputation.pools" are the packed
// keys of section 3.6.
var packedLayouts = map[hookID][]packedField{
	hookMailFrom: peerFields,
	hookRcpt:     append(slices.Clone(peerFields), packedField{"campaign", kindStr}, packedField{"recipient", kindStr}),
	hookMessage: append(slices.Clone(peerFields), packedField{"campaign", kindStr}, packedField{"recipients", kindList},
		packedField{"size", kindInt}, packedField{"header", kindStr}, packedField{"meta", kindList}, packedField{"reputation", kindStr}),
	hookRoute: {{"tenant", kindStr}, {"campaign", kindStr}, {"domain", kindStr}},
	hookSelectPool: {{"tenant", kindStr}, {"campaign", kindStr}, {"domain", kindStr}, {"site", kindStr}, {"meta", kindList},
		{"reputation", kindStr}, {"pools", kindList}, {"reputation.pools", kindStr}},
	hookShape: {{"source", kindStr}, {"pool", kindStr}, {"site", kindStr}, {"domain", kindStr},
		{"mx_hosts", kindList}, {"provider", kindStr}},
	hookClassify: {{"tenant", kindStr}, {"site", kindStr}, {"domain", kindStr}, {"source", kindStr},
		{"stage", kindStr}, {"code", kindInt}, {"enhanced", kindStr}, {"text", kindStr}},
}

// TestPackedInputsMatchKeys checks, for every hook, that the "inputs" value
// holds the same values as the keys read one by one, in the order of
// ABI.md section 3.7, and nothing more.
func TestPackedInputsMatchKeys(t *testing.T) {
	peer := policy.Peer{Addr: "[2001:db8::5]:4242", Helo: "mx.client.test", AuthUser: "alice", TLS: true}
	rep := &policy.Reputation{Tenant1h: policy.ReputationCounts{Deliveries: 1200, Complaints: 2},
		Campaign24h: policy.ReputationCounts{Bounces: 7},
		Pools: []policy.PoolReputation{{Pool: "bulk", H1: policy.ReputationCounts{Deliveries: 5}},
			{Pool: "main", H24: policy.ReputationCounts{HardBounces: 3}}}}
	meta := map[string]string{"b": "2", "a": "1"}
	cases := []struct {
		hook   hookID
		lookup lookupFunc
		in     any
	}{
		{hookMailFrom, lookupMailFrom, &policy.MailFromInput{Peer: peer, Tenant: "acme", Sender: "s@a.test"}},
		{hookRcpt, lookupRcpt, &policy.RcptInput{Peer: peer, Tenant: "acme", Campaign: "c1", Sender: "s@a.test", Recipient: "r@b.test"}},
		{hookMessage, lookupMessage, &policy.MessageInput{Peer: peer, Tenant: "acme", Campaign: "c1", Sender: "s@a.test",
			Recipients: []string{"r@b.test", "q@b.test"}, Header: []byte("Subject: hi\r\nFrom: s@a.test"), Size: 4400,
			Meta: meta, Reputation: rep}},
		{hookMessage, lookupMessage, &policy.MessageInput{Peer: policy.Peer{Addr: "127.0.0.1:25"}}},
		{hookRoute, lookupRoute, &policy.RouteInput{Tenant: "acme", Campaign: "c1", Domain: "b.test"}},
		{hookSelectPool, lookupPool, &policy.PoolInput{Tenant: "acme", Campaign: "c1", Domain: "b.test", Site: "mx.b.test",
			Meta: meta, Reputation: rep}},
		{hookSelectPool, lookupPool, &policy.PoolInput{Domain: "b.test"}},
		{hookShape, lookupShape, &policy.ShapeInput{Source: "ip1", Pool: "main", Site: "mx.b.test", Domain: "b.test",
			MXHosts: []string{"mx1.b.test", "mx2.b.test"}, Provider: "gmail"}},
		{hookClassify, lookupClassify, &policy.ClassifyInput{Tenant: "acme", Site: "mx.b.test", Domain: "b.test",
			Source: "ip1", Stage: "rcpt", Code: 550, Enhanced: "5.1.1", Text: "no such user"}},
	}
	for _, tc := range cases {
		t.Run(tc.hook.String(), func(t *testing.T) {
			var c call
			c.begin(tc.hook, tc.lookup, tc.in)
			defer c.end()
			v := c.packInputs()
			if !c.packed || &c.packInputs().b[0] != &v.b[0] {
				t.Error("the inputs were packed twice in one call")
			}
			p := v.b
			for _, f := range packedLayouts[tc.hook] {
				want, st := tc.lookup(&c, f.key)
				if st != 0 {
					t.Fatalf("%s: status %d", f.key, st)
				}
				switch f.kind {
				case kindStr:
					var got []byte
					got, p = takeStr(t, p)
					if w := want.s + string(want.b); string(got) != w {
						t.Errorf("%s: packed %q, key %q", f.key, got, w)
					}
				case kindInt:
					if len(p) < 8 {
						t.Fatalf("%s: %d bytes left", f.key, len(p))
					}
					if got := int64(binary.LittleEndian.Uint64(p)); got != want.n {
						t.Errorf("%s: packed %d, key %d", f.key, got, want.n)
					}
					p = p[8:]
				case kindList:
					var got []string
					got, p = takeList(t, p)
					if !slices.Equal(got, want.list) && len(got)+len(want.list) > 0 {
						t.Errorf("%s: packed %q, key %q", f.key, got, want.list)
					}
					if f.key != "meta" {
						continue
					}
					// The values, in the order of the names.
					var vals []string
					vals, p = takeList(t, p)
					for i, name := range got {
						mv, _ := tc.lookup(&c, "meta."+name)
						if i >= len(vals) || vals[i] != mv.s {
							t.Errorf("meta.%s: packed values %q, key %q", name, vals, mv.s)
						}
					}
				}
			}
			if len(p) != 0 {
				t.Errorf("%d bytes after the last field", len(p))
			}
		})
	}
}

func takeStr(t *testing.T, p []byte) ([]byte, []byte) {
	t.Helper()
	if len(p) < 4 {
		t.Fatalf("%d bytes left for a length", len(p))
	}
	n := int(binary.LittleEndian.Uint32(p))
	if len(p)-4 < n {
		t.Fatalf("length %d, %d bytes left", n, len(p)-4)
	}
	return p[4 : 4+n], p[4+n:]
}

func takeList(t *testing.T, p []byte) ([]string, []byte) {
	t.Helper()
	if len(p) < 4 {
		t.Fatalf("%d bytes left for a count", len(p))
	}
	n := int(binary.LittleEndian.Uint32(p))
	p = p[4:]
	var out []string
	for range n {
		var s []byte
		s, p = takeStr(t, p)
		out = append(out, string(s))
	}
	return out, p
}

// TestPeerIPGiven: peer.ip is Peer.IP when the caller gives it (reception
// splits a session's address once), Addr's host otherwise; one key at a
// time and packed, the same value.
func TestPeerIPGiven(t *testing.T) {
	for _, tc := range []struct {
		p    policy.Peer
		want string
	}{
		{policy.Peer{Addr: "192.0.2.7:2525"}, "192.0.2.7"},
		{policy.Peer{Addr: "192.0.2.7:2525", IP: "192.0.2.7"}, "192.0.2.7"},
		{policy.Peer{Addr: "[2001:db8::5]:4242"}, "2001:db8::5"},
		{policy.Peer{Addr: "[2001:db8::5]:4242", IP: "2001:db8::5"}, "2001:db8::5"},
	} {
		if v, st := peerInput(&tc.p, "peer.ip"); st != 0 || v.s != tc.want {
			t.Errorf("%+v: peer.ip %q (%d), want %q", tc.p, v.s, st, tc.want)
		}
		b := appendPeer(nil, &tc.p, "", "")
		b = b[4+binary.LittleEndian.Uint32(b):] // past peer.addr
		if got := string(b[4 : 4+binary.LittleEndian.Uint32(b)]); got != tc.want {
			t.Errorf("%+v: packed peer.ip %q, want %q", tc.p, got, tc.want)
		}
	}
}
