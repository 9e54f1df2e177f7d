package queue

import (
	"container/heap"
	"time"

	"github.com/wasmta/wasmta/mta/message"
)

// Queue is one scheduled queue.
type Queue struct {
	Key    message.QueueKey
	items  itemHeap
	paused int64    // Unix nanoseconds; items are not handed out before this
	parked parkHeap // the items added with AddParked and not released since
	tidx   int      // position in the scheduler's timer heap, -1 when absent
}

// next returns when the queue's head can be handed out, or false when the
// queue has nothing to hand out.
func (q *Queue) next() (int64, bool) {
	if len(q.items) == 0 {
		return 0, false
	}
	return max(q.items[0].due, q.paused), true
}

// queueHeap orders queues by the time their head can be handed out.
type queueHeap []*Queue

func (h queueHeap) Len() int { return len(h) }
func (h queueHeap) Less(i, j int) bool {
	a, _ := h[i].next()
	b, _ := h[j].next()
	return a < b
}
func (h queueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].tidx = i
	h[j].tidx = j
}
func (h *queueHeap) Push(x any) {
	q := x.(*Queue)
	q.tidx = len(*h)
	*h = append(*h, q)
}
func (h *queueHeap) Pop() any {
	old := *h
	n := len(old)
	q := old[n-1]
	old[n-1] = nil
	q.tidx = -1
	*h = old[:n-1]
	return q
}

// Info summarises a queue for the admin API.
type Info struct {
	Key     message.QueueKey
	Count   int
	NextDue time.Time
	Paused  time.Time // zero when not paused
}

func (q *Queue) push(it *Item) {
	it.q = q
	if it.parked {
		heap.Push(&q.parked, it)
	}
	heap.Push(&q.items, it)
}

// popHead and remove take an item out; it is no longer parked.
func (q *Queue) popHead() *Item {
	return q.unpark(heap.Pop(&q.items).(*Item))
}

func (q *Queue) remove(it *Item) {
	heap.Remove(&q.items, it.idx)
	q.unpark(it)
}

func (q *Queue) unpark(it *Item) *Item {
	if it.parked {
		it.parked = false
		heap.Remove(&q.parked, int(it.pidx))
	}
	return it
}
