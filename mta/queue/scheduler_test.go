package queue

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/message"
)

// collector records what the scheduler hands out.
type collector struct {
	mu   sync.Mutex
	got  []message.ID
	keys []message.QueueKey
	ch   chan struct{}
}

func (c *collector) dispatch(k message.QueueKey, it *Item) {
	c.mu.Lock()
	c.got = append(c.got, it.ID)
	c.keys = append(c.keys, k)
	c.mu.Unlock()
	c.ch <- struct{}{}
}

func (c *collector) wait(t *testing.T, n int, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for i := 0; i < n; i++ {
		select {
		case <-c.ch:
		case <-deadline:
			t.Fatalf("got %d of %d items within %v", i, n, within)
		}
	}
}

func idAt(n int) message.ID {
	return message.NewID(time.Unix(int64(n), 0))
}

func TestSchedulerOrder(t *testing.T) {
	tests := []struct {
		name string
		due  []time.Duration // offsets from now, per item
		want []int           // indices in hand-out order
	}{
		{"already due keep age order", []time.Duration{0, 0, 0}, []int{0, 1, 2}},
		{"earlier due first", []time.Duration{60 * time.Millisecond, 20 * time.Millisecond, 0}, []int{2, 1, 0}},
		{"past due before now", []time.Duration{-time.Hour, 30 * time.Millisecond}, []int{0, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &collector{ch: make(chan struct{}, 100)}
			s := New(c.dispatch)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			now := time.Now()
			ids := make([]message.ID, len(tc.due))
			for i, d := range tc.due {
				ids[i] = idAt(i + 1)
				s.Add(message.QueueKey{Domain: "example.com"}, NewItem(ids[i], []uint16{0}, 0, now.Add(d)))
			}
			go s.Run(ctx)
			c.wait(t, len(tc.due), 2*time.Second)
			for i, w := range tc.want {
				if c.got[i] != ids[w] {
					t.Fatalf("position %d: got item %v, want item %d", i, c.got[i], w)
				}
			}
			if s.Len() != 0 {
				t.Fatalf("Len = %d after hand-out, want 0", s.Len())
			}
		})
	}
}

func TestSchedulerPause(t *testing.T) {
	c := &collector{ch: make(chan struct{}, 100)}
	s := New(c.dispatch)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	paused := message.QueueKey{Tenant: "a", Domain: "slow.example"}
	free := message.QueueKey{Tenant: "a", Domain: "fast.example"}
	s.Pause(paused, time.Now().Add(time.Hour))
	s.Add(paused, NewItem(idAt(1), []uint16{0}, 0, time.Now()))
	s.Add(free, NewItem(idAt(2), []uint16{0}, 0, time.Now()))
	go s.Run(ctx)
	c.wait(t, 1, time.Second)
	select {
	case <-c.ch:
		t.Fatal("an item of a paused queue was handed out")
	case <-time.After(100 * time.Millisecond):
	}
	if !s.Paused(paused) || s.Paused(free) {
		t.Fatal("Paused reports the wrong queues")
	}
	s.Pause(paused, time.Time{})
	c.wait(t, 1, time.Second)
	if c.keys[1] != paused {
		t.Fatalf("second item from %v, want %v", c.keys[1], paused)
	}
}

func TestSchedulerTakeAndSummary(t *testing.T) {
	s := New(func(message.QueueKey, *Item) {})
	later := time.Now().Add(time.Hour)
	for i := 0; i < 10; i++ {
		d := "a.example"
		if i%2 == 1 {
			d = "b.example"
		}
		s.Add(message.QueueKey{Tenant: "t", Domain: d}, NewItem(idAt(i), []uint16{0}, 0, later))
	}
	sum := s.Summary()
	if len(sum) != 2 || sum[0].Count+sum[1].Count != 10 {
		t.Fatalf("summary = %+v, want 2 queues holding 10", sum)
	}
	got := s.Take(func(k message.QueueKey, _ *Item) bool { return k.Domain == "b.example" })
	if len(got) != 5 || s.Len() != 5 {
		t.Fatalf("Take returned %d and left %d, want 5 and 5", len(got), s.Len())
	}
	if sum := s.Summary(); len(sum) != 1 || sum[0].Key.Domain != "a.example" {
		t.Fatalf("after Take summary = %+v, want only a.example", sum)
	}
}

func BenchmarkAddDispatch(b *testing.B) {
	var n int
	done := make(chan struct{})
	s := New(func(message.QueueKey, *Item) {
		n++
		if n == b.N {
			close(done)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	now := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Add(message.QueueKey{Domain: "example.com"}, NewItem(idAt(i), []uint16{0}, 0, now))
	}
	<-done
}

// TestSchedulerRelease: Release hands out parked items in the order of
// their fallback due times, only as many as asked, leaves the items that
// wait for their own due time alone, and counts what stays parked; an
// item taken or added again is no longer parked; a parked item nobody
// releases comes out at its fallback due time.
func TestSchedulerRelease(t *testing.T) {
	c := &collector{ch: make(chan struct{}, 100)}
	s := New(c.dispatch)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k := message.QueueKey{Tenant: "t", Domain: "full.example"}
	now := time.Now()
	retry := NewItem(idAt(1), []uint16{0}, 1, now.Add(30*time.Minute)) // a deferred retry, not parked
	first := NewItem(idAt(2), []uint16{0}, 0, now)
	second := NewItem(idAt(3), []uint16{0}, 0, now)
	third := NewItem(idAt(4), []uint16{0}, 0, now)
	s.Add(k, retry)
	s.AddParked(k, second, now.Add(2*time.Hour))
	s.AddParked(k, first, now.Add(time.Hour))
	s.AddParked(k, third, now.Add(3*time.Hour))
	go s.Run(ctx)
	select {
	case <-c.ch:
		t.Fatal("an item came out before any release")
	case <-time.After(50 * time.Millisecond):
	}
	if r, left := s.Release(k, 1); r != 1 || left != 2 {
		t.Fatalf("Release(1) = %d, %d left; want 1, 2", r, left)
	}
	c.wait(t, 1, time.Second)
	if c.got[0] != first.ID {
		t.Fatalf("released %v, want the earliest parked %v", c.got[0], first.ID)
	}
	// third is taken (an admin bounce) and second added again unparked.
	taken := s.Take(func(_ message.QueueKey, it *Item) bool { return it == third || it == second })
	if len(taken) != 2 {
		t.Fatalf("Take = %d items, want 2", len(taken))
	}
	if r, left := s.Release(k, 5); r != 0 || left != 0 {
		t.Fatalf("Release after Take = %d, %d left; want 0, 0", r, left)
	}
	second.SetDue(time.Now().Add(time.Hour))
	s.Add(k, second)
	if r, left := s.Release(k, 5); r != 0 || left != 0 {
		t.Fatalf("Release of an item added again with Add = %d, %d left; want 0, 0", r, left)
	}
	// A parked item without a release comes out at its fallback due time;
	// the retry still waits for its own.
	s.AddParked(k, third, time.Now().Add(30*time.Millisecond))
	c.wait(t, 1, time.Second)
	if c.got[1] != third.ID {
		t.Fatalf("handed out %v, want %v at its fallback due time", c.got[1], third.ID)
	}
	if r, left := s.Release(k, 5); r != 0 || left != 0 {
		t.Fatalf("Release after the fallback = %d, %d left; want 0, 0", r, left)
	}
	if s.Len() != 2 {
		t.Fatalf("Len = %d, want 2 (the retry and second)", s.Len())
	}
}

// TestReleasedItemKeepsItsPlace: an item Release made due remembers the
// due time it was parked with, until it is queued again.
func TestReleasedItemKeepsItsPlace(t *testing.T) {
	s := New(func(message.QueueKey, *Item) {})
	k := message.QueueKey{Domain: "full.example"}
	it := NewItem(idAt(1), []uint16{0}, 0, time.Now())
	if _, ok := it.ParkedDue(); ok {
		t.Fatal("a new item has a parked due time")
	}
	at := time.Now().Add(time.Hour).Truncate(time.Microsecond)
	s.AddParked(k, it, at)
	if _, ok := it.ParkedDue(); ok {
		t.Fatal("a parked item not released has a parked due time")
	}
	if r, _ := s.Release(k, 1); r != 1 {
		t.Fatalf("released %d", r)
	}
	if got, ok := it.ParkedDue(); !ok || !got.Equal(at) {
		t.Fatalf("ParkedDue = %v, %v; want %v", got, ok, at)
	}
	s.Take(func(message.QueueKey, *Item) bool { return true })
	s.Add(k, it)
	if _, ok := it.ParkedDue(); ok {
		t.Fatal("an item queued again with Add still has its parked due time")
	}
}

// TestReleasePastManyRetries: a queue whose head holds more items waiting
// for their own due time (deferred retries behind a throttle) than a
// release used to pass over (256) still gives up its parked items at
// once; before, Release gave up, and the parked items waited for their
// fallback due time, which behind a long backlog can be their expiry.
func TestReleasePastManyRetries(t *testing.T) {
	c := &collector{ch: make(chan struct{}, 1000)}
	s := New(c.dispatch)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k := message.QueueKey{Tenant: "t", Domain: "throttled.example"}
	now := time.Now()
	for i := range 1000 {
		s.Add(k, NewItem(idAt(i), []uint16{0}, 1, now.Add(10*time.Minute+time.Duration(i)*time.Millisecond)))
	}
	parked := NewItem(idAt(5000), []uint16{0}, 0, now)
	s.AddParked(k, parked, now.Add(24*time.Hour))
	go s.Run(ctx)
	if r, left := s.Release(k, 1); r != 1 || left != 0 {
		t.Fatalf("Release(1) behind 1000 retries = %d, %d left; want 1, 0", r, left)
	}
	c.wait(t, 1, time.Second)
	if c.got[0] != parked.ID {
		t.Fatalf("handed out %v, want the parked %v", c.got[0], parked.ID)
	}
	if s.Len() != 1000 {
		t.Fatalf("Len = %d, want the 1000 retries", s.Len())
	}
}

// Advance brings a waiting item's due time forward, and leaves alone an
// item handed out since or a later due time.
func TestSchedulerAdvance(t *testing.T) {
	c := &collector{ch: make(chan struct{}, 10)}
	s := New(c.dispatch)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	now := time.Now()
	later, soon := NewItem(idAt(1), []uint16{0}, 1, now.Add(time.Hour)), NewItem(idAt(2), []uint16{0}, 1, now.Add(time.Hour))
	s.Add(message.QueueKey{Domain: "example.com"}, later)
	s.Add(message.QueueKey{Domain: "example.com"}, soon)
	go s.Run(ctx)
	if s.Advance(soon, now.Add(2*time.Hour)) {
		t.Fatal("Advance moved an item later")
	}
	if !s.Advance(soon, now.Add(20*time.Millisecond)) {
		t.Fatal("Advance did not move a waiting item sooner")
	}
	c.wait(t, 1, 2*time.Second)
	if c.got[0] != soon.ID {
		t.Fatalf("handed out %v, want the advanced item", c.got[0])
	}
	if s.Advance(soon, now) {
		t.Fatal("Advance moved an item handed out already")
	}
	if s.Len() != 1 {
		t.Fatalf("Len = %d, want the other item still waiting", s.Len())
	}
}
