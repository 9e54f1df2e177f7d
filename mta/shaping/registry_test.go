package shaping

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/spool"
)

// watcher keeps the records and changes of a registry.
type watcher struct {
	mu      sync.Mutex
	recs    []events.Record
	changes []Change
	ch      chan Change
}

func newWatcher() *watcher { return &watcher{ch: make(chan Change, 64)} }

func (w *watcher) Record(r *events.Record) {
	w.mu.Lock()
	w.recs = append(w.recs, *r)
	w.mu.Unlock()
}

func (w *watcher) change(c Change) {
	w.mu.Lock()
	w.changes = append(w.changes, c)
	w.mu.Unlock()
	w.ch <- c
}

func (w *watcher) records() []events.Record {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]events.Record(nil), w.recs...)
}

func newRegistry(t *testing.T, st Store) (*Registry, *watcher) {
	w := newWatcher()
	r := New(Options{Store: st, Records: w, OnChange: w.change})
	t.Cleanup(r.Close)
	return r, w
}

func suspendAction(sel Selector, d time.Duration) Action {
	return Action{Kind: Suspend, Select: sel, Origin: OriginAdmin, Reason: "test", Expires: time.Now().Add(d)}
}

func TestAddListCancel(t *testing.T) {
	r, w := newRegistry(t, nil)
	a, added, err := r.Add(suspendAction(Selector{Source: "ip1", Site: "mx.test"}, time.Hour))
	if err != nil || !added || a.ID == "" {
		t.Fatalf("Add = %+v, %v, %v", a, added, err)
	}
	if l := r.List(); len(l) != 1 || l[0].ID != a.ID {
		t.Fatalf("List = %+v", l)
	}
	sub := Subject{Source: "ip1", Site: "mx.test", Tenant: "acme"}
	if got, ok := r.Suspended(sub); !ok || got.ID != a.ID {
		t.Fatalf("Suspended(%+v) = %+v, %v", sub, got, ok)
	}
	if _, ok := r.Suspended(Subject{Source: "ip2", Site: "mx.test"}); ok {
		t.Fatal("another source is suspended")
	}
	if _, err := r.Cancel(a.ID, "resumed by test"); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Suspended(sub); ok || len(r.List()) != 0 {
		t.Fatal("a cancelled action is still in force")
	}
	if _, err := r.Cancel(a.ID, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Cancel: %v, want ErrNotFound", err)
	}
	recs := w.records()
	if len(recs) != 2 || recs[0].Type != events.Suspension || recs[0].Meta["event"] != "started" ||
		recs[1].Meta["event"] != "cancelled" || recs[1].Reason != "resumed by test" || recs[0].Scope != "path" ||
		recs[0].Target != "site=mx.test source=ip1" || recs[0].Expires == nil || recs[1].Expires.After(time.Now()) {
		t.Fatalf("records = %+v", recs)
	}
}

func TestSameActionExtendsInsteadOfStacking(t *testing.T) {
	r, w := newRegistry(t, nil)
	sel := Selector{Site: "mx.test"}
	first, _, _ := r.Add(suspendAction(sel, time.Hour))
	// A reply of a message in flight asks again a second later: no change.
	again, added, err := r.Add(suspendAction(sel, time.Hour+time.Second))
	if err != nil || added || again.ID != first.ID || !again.Expires.Equal(first.Expires) {
		t.Fatalf("second Add = %+v, %v, %v", again, added, err)
	}
	// Much later: the expiry moves.
	later, added, _ := r.Add(suspendAction(sel, 2*time.Hour))
	if added || later.ID != first.ID || !later.Expires.After(first.Expires.Add(50*time.Minute)) {
		t.Fatalf("extension = %+v, %v", later, added)
	}
	if n := len(r.List()); n != 1 {
		t.Fatalf("%d actions, want 1", n)
	}
	if recs := w.records(); len(recs) != 2 || recs[1].Meta["event"] != "extended" {
		t.Fatalf("records = %+v", recs)
	}
}

func TestExpiry(t *testing.T) {
	r, w := newRegistry(t, nil)
	a, _, _ := r.Add(suspendAction(Selector{Source: "ip1"}, 150*time.Millisecond))
	<-w.ch // started
	select {
	case c := <-w.ch:
		if c.Event != Expired || c.Action.ID != a.ID || !c.Ended() {
			t.Fatalf("change = %+v", c)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the action did not expire")
	}
	if len(r.List()) != 0 {
		t.Fatal("an expired action is listed")
	}
	if recs := w.records(); len(recs) != 2 || recs[1].Meta["event"] != "expired" {
		t.Fatalf("records = %+v", recs)
	}
}

func TestCancelWithin(t *testing.T) {
	r, _ := newRegistry(t, nil)
	r.Add(suspendAction(Selector{Source: "ip1", Site: "a.test"}, time.Hour))
	r.Add(suspendAction(Selector{Source: "ip2", Site: "a.test"}, time.Hour))
	r.Add(suspendAction(Selector{Site: "b.test"}, time.Hour))
	r.Add(Action{Kind: Shape, Select: Selector{Site: "a.test"}, Shape: &Override{MaxConnections: 1},
		Origin: OriginAdmin, Reason: "slow", Expires: time.Now().Add(time.Hour)})
	gone := r.CancelWithin(Selector{Site: "A.test"}, Suspend, "resume a")
	if len(gone) != 2 {
		t.Fatalf("cancelled %d, want the 2 suspensions of a.test", len(gone))
	}
	if l := r.List(); len(l) != 2 {
		t.Fatalf("left %+v", l)
	}
}

func TestValidation(t *testing.T) {
	r, _ := newRegistry(t, nil)
	now := time.Now()
	bad := []Action{
		{Kind: Suspend, Origin: OriginAdmin, Reason: "x", Expires: now.Add(time.Hour)},                            // selects nothing
		{Kind: Suspend, Select: Selector{Site: "s"}, Origin: OriginAdmin, Reason: "x", Expires: now},              // expired
		{Kind: Suspend, Select: Selector{Site: "s"}, Origin: OriginAdmin, Expires: now.Add(time.Hour)},            // no reason
		{Kind: Shape, Select: Selector{Site: "s"}, Origin: OriginAdmin, Reason: "x", Expires: now.Add(time.Hour)}, // no shape
		{Kind: Shape, Select: Selector{Tenant: "acme"}, Shape: &Override{MaxConnections: 2}, Origin: OriginAdmin,
			Reason: "x", Expires: now.Add(time.Hour)}, // connections on a tenant
		{Kind: Suspend, Select: Selector{Site: "s"}, Origin: "someone", Reason: "x", Expires: now.Add(time.Hour)},
		{Kind: Suspend, Select: Selector{Site: "s"}, Origin: OriginAdmin, Reason: "x", Expires: now.Add(MaxDuration + time.Hour)},
	}
	for i, a := range bad {
		if _, _, err := r.Add(a); err == nil {
			t.Errorf("action %d (%+v) was accepted", i, a)
		}
	}
}

func TestAdjustAppliesPathActionsInOrder(t *testing.T) {
	r, _ := newRegistry(t, nil)
	exp := time.Now().Add(time.Hour)
	r.Add(Action{Kind: Shape, Select: Selector{Provider: "gmail"}, Shape: &Override{RateFactor: 0.5, Lower: true},
		Origin: OriginPolicy, Reason: "421 4.7.28", Expires: exp})
	time.Sleep(2 * time.Millisecond)
	r.Add(Action{Kind: Shape, Select: Selector{Source: "ip1"}, Shape: &Override{MaxConnections: 2},
		Origin: OriginAdmin, Reason: "warming", Expires: exp})
	base := policy.Shape{MaxConnections: 5, MessagesPerSecond: 20}
	got := r.Adjust(Subject{Provider: "gmail", Site: "g", Source: "ip1"}, base)
	if got.MessagesPerSecond != 10 || got.MaxConnections != 2 {
		t.Fatalf("Adjust = %+v", got)
	}
	if got := r.Adjust(Subject{Provider: "yahoo", Site: "y", Source: "ip2"}, base); got != base {
		t.Fatalf("an uncovered path changed: %+v", got)
	}
}

func TestPaceSpacesATenant(t *testing.T) {
	r, _ := newRegistry(t, nil)
	r.Add(Action{Kind: Shape, Select: Selector{Tenant: "acme"}, Shape: &Override{MessagesPerSecond: 10, MessageBurst: 1},
		Origin: OriginAdmin, Reason: "cap", Expires: time.Now().Add(time.Hour)})
	sub := Subject{Tenant: "acme", Site: "s", Source: "ip1"}
	if !r.Paced(sub) || r.Paced(Subject{Tenant: "beta"}) {
		t.Fatal("Paced is wrong")
	}
	var last time.Duration
	for range 11 {
		last, _ = r.Pace(sub)
	}
	// The first token is free, the 11th waits about one second.
	if last < 900*time.Millisecond || last > 1100*time.Millisecond {
		t.Fatalf("11th message waits %v, want about 1s", last)
	}
}

func openSpool(t *testing.T, dir string) *spool.Store {
	t.Helper()
	st, err := spool.Open(filepath.Join(dir, "spool"), spool.Options{MinFreeBytes: -1, BallastBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestActionsSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	st := openSpool(t, dir)
	r, _ := newRegistry(t, st)
	keep, _, _ := r.Add(suspendAction(Selector{Source: "ip1", Site: "y.test"}, time.Hour))
	short, _, _ := r.Add(suspendAction(Selector{Site: "z.test"}, 200*time.Millisecond))
	gone, _, _ := r.Add(suspendAction(Selector{Site: "c.test"}, time.Hour))
	r.Cancel(gone.ID, "")
	r.Close()
	time.Sleep(300 * time.Millisecond) // short expires while "down"
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = openSpool(t, dir)
	defer st.Close()
	r2, _ := newRegistry(t, st)
	n, err := r2.Load()
	if err != nil || n != 1 {
		t.Fatalf("Load = %d, %v; want 1", n, err)
	}
	l := r2.List()
	if len(l) != 1 || l[0].ID != keep.ID || !l[0].Expires.Equal(keep.Expires) || l[0].Select != keep.Select {
		t.Fatalf("restored %+v, want %+v", l, keep)
	}
	var left int
	st.ScanAux(AuxNamespace, nil, func(k, _ []byte) error { left++; return nil })
	if left != 1 {
		t.Fatalf("%d actions stored, want 1 (%s expired and was forgotten)", left, short.ID)
	}
}
