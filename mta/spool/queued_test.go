package spool

import (
	"bytes"
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

// TestQueueScanReadsItsSnapshot: a QueueScan begun before reception
// reads the spool as it was then, while Puts, SetStates and Deletes go
// on (the engine's rebuild beside its listeners): it visits exactly the
// messages stored before it began, leaves the states of newer messages
// alone (they are not orphans), and its reconciliation reports no loss;
// the next start finds every message still stored.
func TestQueueScanReadsItsSnapshot(t *testing.T) {
	dir := t.TempDir()
	old := fillSpool(t, dir, 50)
	s := openTest(t, dir, testOptions())
	q, err := s.BeginQueueScan()
	if err != nil {
		t.Fatal(err)
	}
	fresh := putMany(t, s, 30)
	deferred := message.RcptState{Status: message.Deferred, Attempts: 1, Due: time.Now().Add(time.Hour),
		Last: message.Response{Code: 451, Text: "later"}}
	if err := s.SetStates(fresh[0].ID, []int{0}, []message.RcptState{deferred}, true); err != nil {
		t.Fatal(err)
	}
	for _, m := range fresh[25:] { // delivered and deleted during the scan
		if err := s.Delete(m.ID); err != nil {
			t.Fatal(err)
		}
	}
	var seen []message.ID
	if err := q.Run(context.Background(), func(m *Queued) error {
		seen = append(seen, m.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := make([]message.ID, 0, len(old))
	for _, m := range old {
		want = append(want, m.ID)
	}
	slices.SortFunc(want, func(a, b message.ID) int { return bytes.Compare(a[:], b[:]) })
	if !slices.Equal(seen, want) {
		t.Errorf("the scan visited %d messages, want the %d stored before it began", len(seen), len(want))
	}
	if l := s.Loss(); l.Any() {
		t.Errorf("Loss = %+v during reception, want none", l)
	}
	st, err := s.States(fresh[0].ID, 1)
	if err != nil || !sameState(st[0], deferred) {
		t.Errorf("state of a message received during the scan: %+v, %v; want %+v", st, err, deferred)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir, testOptions())
	defer s.Close()
	if found := scanAll(t, s); len(found) != len(old)+25 {
		t.Errorf("next start found %d messages, want %d", len(found), len(old)+25)
	}
	if l := s.Loss(); l.Any() {
		t.Errorf("next start: Loss = %+v, want none", l)
	}
}
