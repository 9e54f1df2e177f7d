package spool

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/wasmta/wasmta/mta/message"
)

// TestScanQueuedMatchesScan stores messages of every shape the rebuild
// meets (several recipients and domains, mixed case, an address without a
// domain, metadata, a v2 envelope, stored states) and checks that
// ScanQueued reports what Scan does: the same messages in the same order,
// tenant, campaign, reception time, each recipient's message.Domain and
// state.
func TestScanQueuedMatchesScan(t *testing.T) {
	s := openTemp(t)
	addrs := []string{"a@Example.COM", "b@example.com", "postmaster", "c@other.example", "d@ÉXAMPLE.org"}
	var ids []message.ID
	for i := range 12 {
		m := newMessage(i, 0)
		for r := range 1 + i%len(addrs) {
			m.Recipients = append(m.Recipients, message.Recipient{Addr: addrs[(i+r)%len(addrs)]})
		}
		m.RequireTLS = i%4 == 0
		if i%3 == 0 {
			m.Meta = nil
		}
		mustPut(t, s, m)
		ids = append(ids, m.ID)
	}
	deferred := message.RcptState{Status: message.Deferred, Attempts: 3, Due: time.Now().Add(time.Hour),
		Last: message.Response{Code: 451, Text: "later"}}
	if err := s.SetStates(ids[4], []int{0, 2}, []message.RcptState{deferred, {Status: message.Delivered}}, false); err != nil {
		t.Fatal(err)
	}
	type row struct {
		id               message.ID
		at               time.Time
		tenant, campaign string
		domains          []string
		states           []message.RcptState
	}
	var want, got []row
	err := s.Scan(context.Background(), func(m *message.Message, st []message.RcptState) error {
		r := row{id: m.ID, at: m.ReceivedAt, tenant: m.Tenant, campaign: m.Campaign, states: st}
		for _, rc := range m.Recipients {
			r.domains = append(r.domains, rc.Domain())
		}
		want = append(want, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.ScanQueued(context.Background(), func(q *Queued) error {
		got = append(got, row{id: q.ID, at: q.ReceivedAt, tenant: q.Tenant, campaign: q.Campaign,
			domains: slices.Clone(q.Domains), states: slices.Clone(q.States)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(want) != len(ids) {
		t.Fatalf("ScanQueued saw %d messages, Scan %d, stored %d", len(got), len(want), len(ids))
	}
	for i := range want {
		w, g := want[i], got[i]
		if g.id != w.id || !g.at.Equal(w.at) || g.tenant != w.tenant || g.campaign != w.campaign || !slices.Equal(g.domains, w.domains) {
			t.Errorf("message %d: ScanQueued %v %v %q %q %q, Scan %v %v %q %q %q", i,
				g.id, g.at, g.tenant, g.campaign, g.domains, w.id, w.at, w.tenant, w.campaign, w.domains)
		}
		if !slices.EqualFunc(g.states, w.states, sameState) {
			t.Errorf("message %s: ScanQueued states %+v, Scan %+v", g.id, g.states, w.states)
		}
	}
}

// TestScanQueuedQuarantines: an envelope that does not decode is
// quarantined by ScanQueued as by Scan, and the others are reported.
func TestScanQueuedQuarantines(t *testing.T) {
	s := openTemp(t)
	good := newMessage(1, 2)
	mustPut(t, s, good)
	bad := message.NewID(time.Now())
	if err := s.db.Set(idKey(prefixMessage, bad), []byte{messageV1, 7, 7}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	var seen []message.ID
	if err := s.ScanQueued(context.Background(), func(q *Queued) error {
		seen = append(seen, q.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != good.ID {
		t.Fatalf("ScanQueued saw %v, want only %s", seen, good.ID)
	}
	if st := s.Stats(); st.Quarantined != 1 {
		t.Errorf("%d quarantined after ScanQueued, want 1", st.Quarantined)
	}
}

// FuzzDecodeQueued: decodeQueued accepts exactly what decodeMessage
// accepts, and reads the same fields from it.
func FuzzDecodeQueued(f *testing.F) {
	f.Add(encodeMessage(nil, &message.Message{Tenant: "t", Campaign: "c", Recipients: []message.Recipient{{Addr: "a@B"}, {Addr: "x"}},
		ReceivedAt: time.Unix(1, 2), Meta: map[string]string{"k": "v"}, RequireTLS: true}))
	f.Add([]byte{messageV1, 7, 7})
	in := newInterner()
	f.Fuzz(func(t *testing.T, data []byte) {
		m, merr := decodeMessage(message.ID{9}, data)
		var q Queued
		qerr := decodeQueued(&q, in, data)
		if (merr == nil) != (qerr == nil) {
			t.Fatalf("decodeMessage: %v, decodeQueued: %v", merr, qerr)
		}
		if merr != nil {
			return
		}
		doms := make([]string, 0, len(m.Recipients))
		for _, r := range m.Recipients {
			doms = append(doms, r.Domain())
		}
		if q.Tenant != m.Tenant || q.Campaign != m.Campaign || !q.ReceivedAt.Equal(m.ReceivedAt) || !slices.Equal(q.Domains, doms) {
			t.Fatalf("decodeQueued %+v, decodeMessage %+v", q, m)
		}
	})
}
