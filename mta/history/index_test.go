package history

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/spool"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func openSpool(t testing.TB, dir string) *spool.Store {
	t.Helper()
	st, err := spool.Open(filepath.Join(dir, "spool"), spool.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func rec(typ events.Type, at time.Time, id, rcpt string) *events.Record {
	return &events.Record{Type: typ, Time: at, ID: id, Tenant: "acme", Campaign: "c1", Recipient: rcpt}
}

// TestRetentionAndRestart: records stay findable across a restart, for the
// retention, and the sweep deletes them once their hour bucket is older.
func TestRetentionAndRestart(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 3, 1, 10, 30, 0, 0, time.UTC)}
	st := openSpool(t, dir)
	x := Open(st, Options{Retention: 2 * time.Hour, Now: clk.now,
		Recipients: func(string) []string { return []string{"A@x.test", "b@x.test"} }})
	x.Record(rec(events.Reception, clk.now(), "m1", ""))
	x.Record(rec(events.Delivery, clk.now().Add(time.Second), "m1", "a@x.test"))
	x.Record(&events.Record{Type: events.PolicyFault, Time: clk.now(), Tenant: "acme", Hook: "route"})
	x.Record(&events.Record{Type: events.Suspension, Time: clk.now()}) // names no message: not kept
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st = openSpool(t, dir)
	defer st.Close()
	x = Open(st, Options{Retention: 2 * time.Hour, Now: clk.now})
	ctx := context.Background()
	tr, ok, err := x.Message(ctx, "m1")
	if err != nil || !ok || len(tr.Records) != 2 || len(tr.PolicyFaults) != 1 {
		t.Fatalf("after restart: %+v %v %v", tr, ok, err)
	}
	// The Reception record is found by each recipient of the message.
	byB, err := x.Recipient(ctx, "B@X.test", 10)
	if err != nil || len(byB) != 1 || len(byB[0].Records) != 1 || byB[0].Records[0].Type != events.Reception {
		t.Fatalf("by recipient b: %+v %v", byB, err)
	}
	if c, _ := x.Campaign(ctx, "acme", "c1", 10); len(c) != 1 {
		t.Errorf("campaign: %d messages, want 1", len(c))
	}
	clk.add(2 * time.Hour) // 12:30: the 10:00 bucket ended 30 min after the cut
	if err := x.Sweep(); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := x.Message(ctx, "m1"); !ok {
		t.Fatal("swept before the retention passed")
	}
	clk.add(time.Hour) // 13:30: the cut (11:30) is past the 10:00 bucket
	if err := x.Sweep(); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := x.Message(ctx, "m1"); ok {
		t.Fatal("still found after the retention")
	}
	n := 0
	st.ScanAux(namespace, nil, func(_, _ []byte) error { n++; return nil })
	if n != 0 {
		t.Errorf("%d keys left after the sweep", n)
	}
}

func TestRecipientLimitNewestFirst(t *testing.T) {
	st := openSpool(t, t.TempDir())
	defer st.Close()
	now := time.Now()
	x := Open(st, Options{})
	for i, id := range []string{"m1", "m2", "m3"} {
		x.Record(rec(events.Delivery, now.Add(time.Duration(i)*time.Second), id, "r@x.test"))
	}
	if err := x.Flush(); err != nil {
		t.Fatal(err)
	}
	got, err := x.Recipient(context.Background(), "r@x.test", 2)
	if err != nil || len(got) != 2 || got[0].ID != "m3" || got[1].ID != "m2" {
		t.Fatalf("got %+v %v, want m3, m2", got, err)
	}
}

// TestReceptionCarriesItsRecipients: a Reception record that carries its
// recipient addresses (SMTP reception's) is found by each of them without
// reading the envelope back (Options.Recipients is not called); one
// without them still is, through Options.Recipients.
func TestReceptionCarriesItsRecipients(t *testing.T) {
	st := openSpool(t, t.TempDir())
	defer st.Close()
	clk := &clock{t: time.Date(2026, 3, 1, 10, 30, 0, 0, time.UTC)}
	looked := 0
	x := Open(st, Options{Now: clk.now, Recipients: func(id string) []string {
		looked++
		return []string{"c@x.test"}
	}})
	r := rec(events.Reception, clk.now(), "m1", "")
	r.RecipientAddrs = []string{"a@x.test", "B@x.test"}
	x.Record(r)
	x.Record(rec(events.Reception, clk.now(), "m2", ""))
	if err := x.Flush(); err != nil {
		t.Fatal(err)
	}
	if looked != 1 {
		t.Errorf("Options.Recipients called %d times, want once (for m2 only)", looked)
	}
	ctx := context.Background()
	for _, tc := range []struct{ rcpt, id string }{{"a@x.test", "m1"}, {"b@X.test", "m1"}, {"c@x.test", "m2"}} {
		got, err := x.Recipient(ctx, tc.rcpt, 10)
		if err != nil || len(got) != 1 || len(got[0].Records) != 1 || got[0].Records[0].ID != tc.id {
			t.Errorf("by recipient %s: %+v %v, want the Reception of %s", tc.rcpt, got, err, tc.id)
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
}
