package webhook

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/spool"
)

func hookConfig(name, url string) config.Webhook {
	return config.Webhook{Name: name, URL: url, BatchSize: 50, BatchWait: 20 * time.Millisecond,
		Timeout: 2 * time.Second, RetryInitial: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond}
}

// openSpool opens a spool in dir; the test closes it at its end unless it
// did already.
func openSpool(t *testing.T, dir string) *spool.Store {
	t.Helper()
	st, err := spool.Open(filepath.Join(dir, "spool"), spool.Options{MinFreeBytes: -1, BallastBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func startOutbox(t *testing.T, st *spool.Store, hooks ...config.Webhook) *Outbox {
	t.Helper()
	o, err := Open(st, hooks, Options{})
	if err != nil {
		t.Fatal(err)
	}
	o.Start()
	t.Cleanup(o.Close)
	return o
}

// feed records n records, cycling over msgs messages: record i is for
// message i%msgs, and its Reason holds i, so order can be checked.
func feed(o *Outbox, from, n, msgs int, tenant string) {
	types := []events.Type{events.Reception, events.TransientFailure, events.Delivery}
	for i := from; i < from+n; i++ {
		o.Record(&events.Record{Type: types[i%len(types)], Time: time.Now(), Tenant: tenant,
			ID: fmt.Sprintf("msg%03d", i%msgs), Recipient: "r@example.test", Reason: fmt.Sprint(i)})
	}
}

// checkOrder fails unless, first copies taken in arrival order, the
// records of each message arrived in the order they were recorded.
func checkOrder(t *testing.T, evs []received) {
	t.Helper()
	seen := map[string]bool{}
	last := map[string]int{}
	for _, e := range evs {
		if seen[e.EventID] {
			continue
		}
		seen[e.EventID] = true
		var i int
		fmt.Sscan(e.Reason, &i)
		if prev, ok := last[e.ID]; ok && i < prev {
			t.Fatalf("message %s: record %d arrived after record %d", e.ID, i, prev)
		}
		last[e.ID] = i
	}
}

func TestDeliversInOrderBatchedAndSigned(t *testing.T) {
	rcv := startReceiver(t, "s3cret")
	h := hookConfig("all", rcv.url())
	h.Secret = "s3cret"
	o := startOutbox(t, openSpool(t, t.TempDir()), h)
	const n = 1000
	feed(o, 0, n, 37, "acme")
	evs := rcv.waitDistinct(t, n, 10*time.Second)
	if len(evs) != n {
		t.Fatalf("%d events for %d records: duplicates without a failure", len(evs), n)
	}
	checkOrder(t, evs)
	// The receiver holds the last batch before its answer reaches the
	// sender, which counts it only then: give the count that moment.
	deadline := time.Now().Add(5 * time.Second)
	for st := o.Stats()[0]; st.Backlog != 0 || st.Delivered != n; st = o.Stats()[0] {
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v, want backlog 0 and %d delivered", st, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	for _, b := range rcv.batches {
		if len(b.Events) > h.BatchSize || b.Webhook != "all" || b.header.Get(HeaderWebhook) != "all" {
			t.Fatalf("batch of %d events for webhook %q (header %q)", len(b.Events), b.Webhook, b.header.Get(HeaderWebhook))
		}
	}
	if rcv.badSigs != 0 {
		t.Fatalf("%d batches failed signature verification", rcv.badSigs)
	}
}

// TestReceiverDownThenUp: while the receiver answers 503 the records wait
// in the outbox; once it is up they all arrive, in order per message.
func TestReceiverDownThenUp(t *testing.T) {
	rcv := startReceiver(t, "")
	rcv.down.Store(true)
	o := startOutbox(t, openSpool(t, t.TempDir()), hookConfig("all", rcv.url()))
	feed(o, 0, 300, 10, "")
	time.Sleep(300 * time.Millisecond) // several failed tries
	feed(o, 300, 300, 10, "")
	if st := o.Stats()[0]; st.Failures < 2 || st.Delivered != 0 {
		t.Fatalf("stats while down: %+v, want failures and nothing delivered", st)
	}
	rcv.down.Store(false)
	evs := rcv.waitDistinct(t, 600, 10*time.Second)
	checkOrder(t, evs)
}

// TestOutboxSurvivesRestart: records left in the outbox when wasmta stops
// are sent after it starts again on the same spool; the cursor of a
// partly sent outbox is kept, so what was acknowledged is not sent again.
func TestOutboxSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	rcv := startReceiver(t, "")
	st := openSpool(t, dir)
	h := hookConfig("all", rcv.url())
	o := startOutbox(t, st, h)
	feed(o, 0, 200, 5, "")
	rcv.waitDistinct(t, 200, 10*time.Second)
	waitDelivered(t, o, 200) // the last acknowledgement is saved
	rcv.down.Store(true)
	feed(o, 200, 300, 5, "")
	o.Close()
	if err := o.Flush(); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st = openSpool(t, dir)
	o2, err := Open(st, []config.Webhook{h}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := o2.Stats()[0].Backlog; got != 300 {
		t.Fatalf("backlog after restart = %d, want 300", got)
	}
	rcv.down.Store(false)
	o2.Start()
	defer o2.Close()
	evs := rcv.waitDistinct(t, 500, 10*time.Second)
	if len(evs) != 500 {
		t.Fatalf("%d events received for 500 records", len(evs))
	}
	checkOrder(t, evs)
}

// TestFilters: a tenant webhook gets only its tenant's records, and only
// the types it lists; a global one gets everything.
func TestFilters(t *testing.T) {
	rcvA, rcvAll := startReceiver(t, ""), startReceiver(t, "")
	a := hookConfig("acme", rcvA.url())
	a.Tenant, a.Events = "acme", []string{"Delivery"}
	o := startOutbox(t, openSpool(t, t.TempDir()), a, hookConfig("global", rcvAll.url()))
	feed(o, 0, 30, 3, "acme")
	feed(o, 30, 30, 3, "beta")
	rcvAll.waitDistinct(t, 60, 5*time.Second)
	rcvA.waitDistinct(t, 10, 5*time.Second)
	time.Sleep(50 * time.Millisecond)
	evs := rcvA.events(t)
	if len(evs) != 10 {
		t.Fatalf("tenant webhook got %d events, want the 10 Delivery records of acme", len(evs))
	}
	for _, e := range evs {
		if e.Tenant != "acme" || e.Type != "Delivery" {
			t.Fatalf("tenant webhook got %+v", e)
		}
	}
}

// TestStuckEndpointNeverBlocksRecording: with a receiver that never
// answers, every record still goes into the outbox, and Record returns.
func TestStuckEndpointNeverBlocksRecording(t *testing.T) {
	rcv := startReceiver(t, "")
	rcv.hang.Store(true)
	o := startOutbox(t, openSpool(t, t.TempDir()), hookConfig("stuck", rcv.url()))
	const n = 20000
	done := make(chan struct{})
	go func() {
		feed(o, 0, n, 100, "")
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Record blocked behind a stuck receiver")
	}
	deadline := time.Now().Add(5 * time.Second)
	for o.Stats()[0].Backlog != n {
		if time.Now().After(deadline) {
			t.Fatalf("backlog %d, want %d records in the outbox", o.Stats()[0].Backlog, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitDelivered(t *testing.T, o *Outbox, n int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for o.Stats()[0].Delivered < n {
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v, want %d delivered", o.Stats()[0], n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestNormalizeCursor(t *testing.T) {
	tests := []struct {
		name string
		pos  position
		segs []uint64
		want position
	}{
		{"fresh", position{}, nil, position{seg: 1}},
		{"fresh with segments", position{}, []uint64{1, 2}, position{seg: 1}},
		{"mid segment", position{seg: 4, off: 7}, []uint64{4, 5}, position{seg: 4, off: 7}},
		{"segment done, delete lost", position{seg: 4, off: 7}, []uint64{5}, position{seg: 5}},
		{"all sent", position{seg: 4, off: 7}, nil, position{seg: 5}},
		{"all sent at boundary", position{seg: 5}, nil, position{seg: 5}},
	}
	for _, tt := range tests {
		if got := normalize(tt.pos, tt.segs); got != tt.want {
			t.Errorf("%s: normalize(%+v, %v) = %+v, want %+v", tt.name, tt.pos, tt.segs, got, tt.want)
		}
	}
}
