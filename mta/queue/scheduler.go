package queue

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/wasmta/wasmta/mta/message"
)

// DispatchFunc receives the items that fell due, in due order. It runs on
// the scheduler's goroutine: blocking in it is how the engine applies
// backpressure.
type DispatchFunc func(key message.QueueKey, it *Item)

// Scheduler holds every scheduled queue and hands out due items.
type Scheduler struct {
	dispatch DispatchFunc

	mu     sync.Mutex
	queues map[message.QueueKey]*Queue
	timers queueHeap
	count  int
	wake   chan struct{}
	now    func() time.Time
}

// New returns a scheduler that gives due items to dispatch once Run runs.
func New(dispatch DispatchFunc) *Scheduler {
	return &Scheduler{
		dispatch: dispatch,
		queues:   make(map[message.QueueKey]*Queue),
		wake:     make(chan struct{}, 1),
		now:      time.Now,
	}
}

// Add queues it under key.
func (s *Scheduler) Add(key message.QueueKey, it *Item) {
	s.add(key, it, false)
}

// AddParked queues it under key, due at due, as waiting for room on the
// ready queue it goes to rather than for a time: Release makes it due at
// once, and due is only a fallback (the item's position among the parked
// ones and when it is looked at again if no release comes).
func (s *Scheduler) AddParked(key message.QueueKey, it *Item, due time.Time) {
	it.SetDue(due)
	s.add(key, it, true)
}

func (s *Scheduler) add(key message.QueueKey, it *Item, parked bool) {
	it.parked, it.wasDue = parked, 0
	s.mu.Lock()
	q := s.queues[key]
	if q == nil {
		q = &Queue{Key: key, tidx: -1}
		s.queues[key] = q
	}
	head := len(q.items) == 0 || it.due < q.items[0].due
	q.push(it)
	s.count++
	s.fixTimer(q)
	s.mu.Unlock()
	if head {
		s.poke()
	}
}

func (s *Scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// fixTimer puts q at its place in the timer heap, or takes it out when it
// is empty. Empty queues are forgotten so that the map only holds live
// queues.
func (s *Scheduler) fixTimer(q *Queue) {
	_, ok := q.next()
	switch {
	case !ok && q.tidx >= 0:
		heap.Remove(&s.timers, q.tidx)
	case ok && q.tidx < 0:
		heap.Push(&s.timers, q)
	case ok:
		heap.Fix(&s.timers, q.tidx)
	}
	if !ok && q.paused == 0 {
		delete(s.queues, q.Key)
	}
}

// Len returns how many items are queued.
func (s *Scheduler) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Run hands out due items until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	batch := make([]*Item, 0, 256)
	for {
		batch, wait := s.takeDue(batch[:0])
		for _, it := range batch {
			s.dispatch(it.q.Key, it)
		}
		if len(batch) == cap(batch) {
			continue
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// takeDue pops up to cap(batch) due items and says how long to wait for
// the next one.
func (s *Scheduler) takeDue(batch []*Item) ([]*Item, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UnixNano()
	for len(s.timers) > 0 && len(batch) < cap(batch) {
		q := s.timers[0]
		at, _ := q.next()
		if at > now {
			return batch, time.Duration(at - now)
		}
		it := q.popHead()
		it.q = q
		s.count--
		batch = append(batch, it)
		s.fixTimer(q)
	}
	if len(s.timers) == 0 {
		return batch, time.Hour
	}
	return batch, 0
}

// Release makes up to n parked items of key's queue due now, the earliest
// parked first. It returns how many it released and how many parked items
// the queue still holds. Items of the queue that are not parked keep their
// due time.
func (s *Scheduler) Release(key message.QueueKey, n int) (released, left int) {
	s.mu.Lock()
	q := s.queues[key]
	if q == nil {
		s.mu.Unlock()
		return 0, 0
	}
	now := s.now().UnixNano()
	var popped []*Item
	for len(q.parked) > 0 && len(popped) < n {
		it := q.parked[0]
		q.remove(it) // out of both heaps: no longer parked
		it.wasDue, it.due = it.due, now
		popped = append(popped, it)
	}
	for _, it := range popped {
		q.push(it)
	}
	left = len(q.parked)
	s.fixTimer(q)
	s.mu.Unlock()
	if len(popped) > 0 {
		s.poke()
	}
	return len(popped), left
}

// Advance moves the due time of an item still waiting in its queue to
// due, when that is sooner; it reports whether it did. An item handed out
// since (or parked for room) is left alone.
func (s *Scheduler) Advance(it *Item, due time.Time) bool {
	s.mu.Lock()
	q := it.q
	ok := q != nil && it.idx >= 0 && it.idx < len(q.items) && q.items[it.idx] == it &&
		!it.parked && due.UnixNano() < it.due
	if ok {
		it.due = due.UnixNano()
		heap.Fix(&q.items, it.idx)
		s.fixTimer(q)
	}
	s.mu.Unlock()
	if ok {
		s.poke()
	}
	return ok
}

// Pause holds back every queue whose key matches until the given time (a
// zero time resumes them). It returns how many queues it changed; a
// queue that does not exist yet is created so that items added later wait
// too.
func (s *Scheduler) Pause(key message.QueueKey, until time.Time) {
	s.mu.Lock()
	q := s.queues[key]
	if q == nil {
		q = &Queue{Key: key, tidx: -1}
		s.queues[key] = q
	}
	q.paused = 0
	if !until.IsZero() {
		q.paused = until.UnixNano()
	}
	s.fixTimer(q)
	s.mu.Unlock()
	s.poke()
}

// Summary describes every queue.
func (s *Scheduler) Summary() []Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Info, 0, len(s.queues))
	for _, q := range s.queues {
		in := Info{Key: q.Key, Count: len(q.items)}
		if len(q.items) > 0 {
			in.NextDue = q.items[0].Due()
		}
		if q.paused > 0 {
			in.Paused = time.Unix(0, q.paused)
		}
		out = append(out, in)
	}
	return out
}

// Take removes and returns every queued item for which match is true; the
// admin uses it to bounce or rebind.
func (s *Scheduler) Take(match func(key message.QueueKey, it *Item) bool) []*Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Item
	for _, q := range s.queues {
		for i := 0; i < len(q.items); {
			it := q.items[i]
			if !match(q.Key, it) {
				i++
				continue
			}
			q.remove(it)
			s.count--
			out = append(out, it)
		}
		s.fixTimer(q)
	}
	return out
}

// Paused reports whether the queue of key is paused now.
func (s *Scheduler) Paused(key message.QueueKey) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[key]
	return q != nil && q.paused > s.now().UnixNano()
}
