package engine

import (
	"sync"

	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/queue"
)

// loneRefusals remembers, per path, the message last deferred alone for a
// reply that names no cause, perhaps the first refusal of a limiter's run:
// runFound brings it back when the run shows. The two ends race: the
// deferral is decided (and the path told, egress.Path.Unexplained) a spool
// write before its item is queued, and another session's refusal may find
// the run in between. A run found before the item is queued is noted, and
// the item is brought back as it is queued; before, it waited its minute.
type loneRefusals struct {
	mu sync.Mutex
	m  map[*egress.Path]*loneRefusal
}

type loneRefusal struct {
	id   message.ID
	item *queue.Item // nil until queued
	run  bool        // a run was found before it was queued
}

// deferred notes that message id was just deferred alone on p; its item
// is not queued yet. It takes the place of the one noted before.
func (l *loneRefusals) deferred(p *egress.Path, id message.ID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = make(map[*egress.Path]*loneRefusal)
	}
	l.m[p] = &loneRefusal{id: id}
}

// queued hands over the item of the deferral noted for its message, now in
// its scheduled queue; it reports whether a run was found meanwhile (the
// caller brings the item back).
func (l *loneRefusals) queued(p *egress.Path, it *queue.Item) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.m[p]
	if r == nil || r.id != it.ID || r.item != nil {
		return false // a later lone deferral took its place
	}
	if r.run {
		delete(l.m, p)
		return true
	}
	r.item = it
	return false
}

// run takes the lone deferral on p that a refusal of another message, id,
// shows to be a run's first: its item when it is queued (the caller brings
// it back), else nil, the run noted for queued.
func (l *loneRefusals) run(p *egress.Path, id message.ID) *queue.Item {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.m[p]
	if r == nil || r.id == id {
		return nil
	}
	if r.item == nil {
		r.run = true
		return nil
	}
	delete(l.m, p)
	return r.item
}
