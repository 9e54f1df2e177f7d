package webhook

import (
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/config"
)

// TestReconfigure: a reload's list of webhooks is in force at once. A
// webhook kept as it was keeps sending everything, with no record lost or
// sent twice across the change; a new one gets the records from then on;
// one whose URL changed sends its outbox to the new URL; a removed one
// gets nothing more, and its records wait in the spool for it.
func TestReconfigure(t *testing.T) {
	keep, moved, moved2, added, gone := startReceiver(t, ""), startReceiver(t, ""), startReceiver(t, ""),
		startReceiver(t, ""), startReceiver(t, "")
	st := openSpool(t, t.TempDir())
	o := startOutbox(t, st, hookConfig("keep", keep.url()), hookConfig("moved", moved.url()), hookConfig("gone", gone.url()))
	moved.down.Store(true) // its first 100 wait in the outbox, then go to the new URL
	feed(o, 0, 100, 7, "")
	gone.waitDistinct(t, 100, 10*time.Second)
	if err := o.Reconfigure([]config.Webhook{hookConfig("keep", keep.url()), hookConfig("moved", moved2.url()),
		hookConfig("added", added.url())}); err != nil {
		t.Fatal(err)
	}
	feed(o, 100, 100, 7, "")
	evs := keep.waitDistinct(t, 200, 10*time.Second)
	checkOrder(t, evs)
	if n := distinct(evs); n != 200 {
		t.Errorf("the kept webhook got %d distinct records, want 200", n)
	}
	checkOrder(t, moved2.waitDistinct(t, 200, 10*time.Second))
	if n := distinct(added.waitDistinct(t, 100, 10*time.Second)); n != 100 {
		t.Errorf("the added webhook got %d records, want the 100 after the reload", n)
	}
	time.Sleep(100 * time.Millisecond)
	if n := distinct(gone.events(t)); n != 100 {
		t.Errorf("the removed webhook got %d records, want only the 100 before the reload", n)
	}
	names := map[string]bool{}
	for _, s := range o.Stats() {
		names[s.Name] = true
	}
	if len(names) != 3 || !names["keep"] || !names["moved"] || !names["added"] || names["gone"] {
		t.Errorf("stats name %v, want keep, moved and added", names)
	}
}
