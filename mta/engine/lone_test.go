package engine

import (
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/queue"
)

// TestLoneRefusalFoundInEitherOrder: the run that shows a lone deferral
// to be a throttle's first refusal brings its item back whether it is
// found before the item is queued (another session's refusal during the
// deferral's spool write: the item waited its minute) or after.
func TestLoneRefusalFoundInEitherOrder(t *testing.T) {
	t.Parallel()
	p := &egress.Path{}
	first, other := message.NewID(time.Now()), message.NewID(time.Now())
	item := func(id message.ID) *queue.Item { return queue.NewItem(id, []uint16{0}, 1, time.Now().Add(time.Minute)) }

	var l loneRefusals
	l.deferred(p, first)
	if it := l.run(p, other); it != nil {
		t.Fatal("a run found before the item was queued returned an item")
	}
	if !l.queued(p, item(first)) {
		t.Fatal("a run found before the item was queued: not brought back when queued")
	}
	if it := l.run(p, other); it != nil {
		t.Fatal("brought back twice")
	}

	l.deferred(p, first)
	it := item(first)
	if l.queued(p, it) {
		t.Fatal("brought back with no run")
	}
	if got := l.run(p, first); got != nil {
		t.Fatal("its own second refusal is no run")
	}
	if got := l.run(p, other); got != it {
		t.Fatalf("run after queueing returned %v, want the item", got)
	}

	l.deferred(p, first)
	l.deferred(p, other) // a later lone deferral takes its place
	if l.queued(p, item(first)) || l.run(p, message.NewID(time.Now())) != nil {
		t.Fatal("the replaced deferral was brought back")
	}
}
