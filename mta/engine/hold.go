package engine

import (
	"sync"
	"time"

	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/queue"
	"github.com/wasmta/wasmta/mta/shaping"
)

// parking remembers which scheduled items an action holds back, so that
// they come due at once when the action is cancelled early. Held items
// stay in the scheduled queues (due when the action ends): they are never
// bounced, they count in queue summaries, and a restart finds them in the
// spool like any other.
type parking struct {
	mu       sync.Mutex
	byAction map[string]map[*queue.Item]message.QueueKey
	paced    map[*queue.Item]struct{} // their rate token is already spent
}

func (pk *parking) init() {
	pk.byAction = make(map[string]map[*queue.Item]message.QueueKey)
	pk.paced = make(map[*queue.Item]struct{})
}

// park puts an item back in its scheduled queue, due at until, held by the
// action id. If the action ended meanwhile the item is due now.
func (e *Engine) park(id string, key message.QueueKey, it *queue.Item, until time.Time) {
	pk := &e.ctl.parked
	pk.mu.Lock()
	defer pk.mu.Unlock()
	if !e.ctl.reg.Active(id) {
		until = time.Now()
	} else {
		m := pk.byAction[id]
		if m == nil {
			m = make(map[*queue.Item]message.QueueKey)
			pk.byAction[id] = m
		}
		m[it] = key
	}
	it.SetDue(until)
	e.sched.Add(key, it)
}

// release makes the items an action held due now.
func (e *Engine) release(id string) {
	pk := &e.ctl.parked
	pk.mu.Lock()
	held := pk.byAction[id]
	delete(pk.byAction, id)
	pk.mu.Unlock()
	if len(held) == 0 {
		return
	}
	now := time.Now()
	for _, it := range e.sched.Take(func(_ message.QueueKey, it *queue.Item) bool { _, ok := held[it]; return ok }) {
		it.SetDue(now)
		e.sched.Add(held[it], it)
	}
}

// parkJobs holds back the items of jobs taken off a path p that the
// action covers. A job may carry items of several recipient domains of a
// message; those the action does not cover go back to the scheduled queues
// due now, rather than waiting for the end of a suspension of another
// domain.
func (e *Engine) parkJobs(a shaping.Action, p *egress.Path, jobs []*egress.Job) {
	now := time.Now()
	for _, j := range jobs {
		sub := jobSubject(p, j)
		for _, it := range j.Items {
			key := itemKey(j, it)
			sub.Domain = key.Domain
			if !a.Select.Matches(sub) {
				it.SetDue(now)
				e.sched.Add(key, it)
				continue
			}
			e.park(a.ID, key, it, a.Expires)
		}
	}
}

func itemKey(j *egress.Job, it *queue.Item) message.QueueKey {
	return j.Queue.WithDomain(j.Msg.Recipients[it.Rcpts[0]].Domain())
}

// holdBack keeps a due item in the scheduled queues when an action covers
// it (a suspension, or a tenant's rate), or when its path already holds
// all the jobs it may; it reports whether it did.
func (e *Engine) holdBack(key message.QueueKey, it *queue.Item, m *message.Message, p *egress.Path) bool {
	sub := shaping.Subject{Tenant: m.Tenant, Campaign: m.Campaign, Domain: key.Domain,
		Provider: p.Provider, Site: p.Key.Site, Source: p.Key.Source}
	reg := e.ctl.reg
	if a, ok := reg.Suspended(sub); ok {
		e.park(a.ID, key, it, a.Expires)
		return true
	}
	if reg.Paced(sub) && !e.ctl.parked.spent(it) {
		if d, id := reg.Pace(sub); d > 0 {
			e.ctl.parked.markSpent(it)
			e.park(id, key, it, time.Now().Add(d))
			return true
		}
	}
	if until := p.BackedOff(); !until.IsZero() {
		// No connection works on the path: the item waits for the end of
		// its back-off in the scheduled queue (not an attempt), then comes
		// back at a slot of its own at the path's pace.
		it.SetDue(p.RetrySlot(until))
		e.sched.Add(key, it)
		return true
	}
	if _, released := it.ParkedDue(); p.Full() || (!released && e.roomw.waiting(p)) {
		// Not an attempt: the item waits its turn in the scheduled queue,
		// where it costs no memory beyond its index entry, until a job
		// leaves the path (roomwait.go). An item that was not parked
		// before (fresh mail, a retry) also queues behind those already
		// waiting for the path, rather than taking the room a job just
		// made ahead of them: the express lane would otherwise win every
		// such race, and under a steady stream of fresh mail a backlog
		// parked behind a slow destination would wait until it expired.
		shape, _ := p.Shape()
		e.parkForRoom(p, key, it, m.ReceivedAt.Add(shape.MaxAge))
		return true
	}
	return false
}

// spent reports (and forgets) that the item's rate token was taken.
func (pk *parking) spent(it *queue.Item) bool {
	pk.mu.Lock()
	defer pk.mu.Unlock()
	_, ok := pk.paced[it]
	delete(pk.paced, it)
	return ok
}

func (pk *parking) markSpent(it *queue.Item) {
	pk.mu.Lock()
	pk.paced[it] = struct{}{}
	pk.mu.Unlock()
}

// Hold is the egress gate: right before a job is sent, the items of it
// that a suspension covers now go back to the scheduled queues (an action
// that started while the job waited on its path). It reports whether
// nothing of the job is left to send.
func (h *handler) Hold(p *egress.Path, j *egress.Job) bool {
	e := (*Engine)(h)
	sub := jobSubject(p, j)
	keep := j.Items[:0:0]
	for _, it := range j.Items {
		sub.Domain = j.Msg.Recipients[it.Rcpts[0]].Domain()
		if a, ok := e.ctl.reg.Suspended(sub); ok {
			e.park(a.ID, itemKey(j, it), it, a.Expires)
			continue
		}
		keep = append(keep, it)
	}
	if len(keep) == len(j.Items) {
		return false
	}
	j.Items = keep
	return len(keep) == 0
}
