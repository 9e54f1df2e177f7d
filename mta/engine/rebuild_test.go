package engine

import (
	"slices"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/spool"
)

// TestGroupByDomain: the rebuild queues one item per domain of a message's
// recipients that are not final (delivered and bounced ones are never
// queued again: no double delivery), holding those recipients, due at the
// latest of their due times and counting the most attempts; a message
// whose recipients are all final gets none (it is deleted); the reused
// slice carries nothing from one message to the next.
func TestGroupByDomain(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_800_000_000, 0)
	pending := func(due time.Duration, attempts int) message.RcptState {
		return message.RcptState{Status: message.Deferred, Due: t0.Add(due), Attempts: attempts}
	}
	q := &spool.Queued{ID: message.NewID(t0), Domains: []string{"a.test", "b.test", "a.test", "c.test", "b.test", "d.test"},
		States: []message.RcptState{pending(time.Hour, 3), {Status: message.Delivered}, pending(0, 5),
			{Status: message.Bounced}, pending(time.Minute, 1), {Status: message.Pending, Due: t0}}}
	type want struct {
		domain   string
		rcpts    []uint16
		due      time.Time
		attempts uint16
	}
	check := func(items []domainItem, wants []want) {
		t.Helper()
		if len(items) != len(wants) {
			t.Fatalf("%d items, want %d", len(items), len(wants))
		}
		for i, w := range wants {
			it := items[i]
			if it.domain != w.domain || !slices.Equal(it.item.Rcpts, w.rcpts) || !it.item.Due().Equal(w.due) ||
				it.item.Attempts != w.attempts || it.item.ID != q.ID {
				t.Errorf("item %d: %s %v due %v, %d attempts; want %s %v due %v, %d attempts", i, it.domain,
					it.item.Rcpts, it.item.Due(), it.item.Attempts, w.domain, w.rcpts, w.due, w.attempts)
			}
		}
	}
	items := groupByDomain(nil, q, noSticky)
	check(items, []want{
		{"a.test", []uint16{0, 2}, t0.Add(time.Hour), 5},
		{"b.test", []uint16{4}, t0.Add(time.Minute), 1},
		{"d.test", []uint16{5}, t0, 0},
	})

	q.Domains, q.States = q.Domains[:2], []message.RcptState{{Status: message.Delivered}, pending(0, 2)}
	items = groupByDomain(items[:0], q, noSticky)
	check(items, []want{{"b.test", []uint16{1}, t0, 2}})

	q.States[1].Status = message.Bounced
	if items = groupByDomain(items[:0], q, noSticky); len(items) != 0 {
		t.Fatalf("a message whose recipients are all final got %d items", len(items))
	}
}

// noSticky is a pool where no source is known.
func noSticky(string, string) uint8 { return 0 }
