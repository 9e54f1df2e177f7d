package queue

import (
	"time"

	"github.com/wasmta/wasmta/mta/message"
)

// Item is one message's recipients for one domain, waiting in a scheduled
// queue. It is deliberately small: a queued message costs this plus its
// share of the queue's map entry.
type Item struct {
	ID       message.ID
	Rcpts    []uint16 // indices into the message's recipients, all of one domain
	Attempts uint16
	// Source asks for the source of the last attempt again: 1 + its index
	// in the message's pool, 0 for any (see engine.stickySource). In the
	// padding before pidx: an item stays 80 bytes.
	Source uint8
	parked bool  // waiting for room on its path (AddParked), not for its due time
	pidx   int32 // position in q.parked while parked (in the padding after parked)
	due    int64 // Unix nanoseconds
	// wasDue is the due time it was parked with, once Release made it due
	// (0 otherwise): parked again, it keeps its place among the parked.
	wasDue int64
	q      *Queue
	idx    int // position in q.items, -1 when not queued
}

// NewItem returns an item due at due.
func NewItem(id message.ID, rcpts []uint16, attempts int, due time.Time) *Item {
	return &Item{ID: id, Rcpts: rcpts, Attempts: uint16(min(attempts, 65535)), due: due.UnixNano(), idx: -1}
}

// Due returns when the item is to be attempted.
func (it *Item) Due() time.Time { return time.Unix(0, it.due) }

// SetDue changes the due time of an item that is not queued.
func (it *Item) SetDue(t time.Time) { it.due = t.UnixNano() }

// ParkedDue returns the due time the item was parked with, when it comes
// from a Release (and has not been queued since), so that parked again it
// keeps its place.
func (it *Item) ParkedDue() (time.Time, bool) {
	return time.Unix(0, it.wasDue), it.wasDue != 0
}

// Received returns the reception time of the message (encoded in its ID).
func (it *Item) Received() time.Time { return it.ID.Time() }

// itemHeap orders items by due time, then by ID (age) for fairness.
type itemHeap []*Item

func (h itemHeap) Len() int { return len(h) }
func (h itemHeap) Less(i, j int) bool {
	if h[i].due != h[j].due {
		return h[i].due < h[j].due
	}
	return string(h[i].ID[:]) < string(h[j].ID[:])
}
func (h itemHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx = i
	h[j].idx = j
}
func (h *itemHeap) Push(x any) {
	it := x.(*Item)
	it.idx = len(*h)
	*h = append(*h, it)
}
func (h *itemHeap) Pop() any {
	old := *h
	n := len(old)
	it := old[n-1]
	old[n-1] = nil
	it.idx = -1
	*h = old[:n-1]
	return it
}

// parkHeap holds a queue's parked items, in the same order as itemHeap,
// so that Release finds the earliest parked item without passing over
// the items that wait for their own due time.
type parkHeap []*Item

func (h parkHeap) Len() int           { return len(h) }
func (h parkHeap) Less(i, j int) bool { return itemHeap(h).Less(i, j) }
func (h parkHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].pidx = int32(i)
	h[j].pidx = int32(j)
}
func (h *parkHeap) Push(x any) {
	it := x.(*Item)
	it.pidx = int32(len(*h))
	*h = append(*h, it)
}
func (h *parkHeap) Pop() any {
	old := *h
	n := len(old)
	it := old[n-1]
	old[n-1] = nil
	it.pidx = -1
	*h = old[:n-1]
	return it
}
