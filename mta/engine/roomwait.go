package engine

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/queue"
)

// An item whose path already holds all the jobs it may is parked in its
// scheduled queue: it waits for room on that path, not for a time. A job
// leaving the path releases one parked item, so a backlog behind a slow
// or stalled destination costs its index entries and no read of the
// spool; before, every held item came due again 0.1-30 s later and was
// read back from the spool each time, and the dispatchers, never idle,
// sent fresh mail round the express lane.
//
// A parked item still has a due time, a fallback for a release that never
// comes (the message's route changed, a job left the path by an admin
// command): the items parked for one path get due times parkStep apart
// and at least parkMin ahead, so that the fallbacks of a long backlog
// cost at most one read per parkStep per path; an item never waits past
// the end of its message's max age, so that it expires on time.
const (
	parkMin  = time.Minute
	parkStep = 20 * time.Millisecond
	// roomCheck is how often paths with parked items and room to spare
	// are refilled (a release lost to a race, a job taken by an admin).
	roomCheck = time.Second
)

// roomWait remembers, per path, the scheduled queues that hold items
// parked for room on it.
type roomWait struct {
	mu    sync.Mutex
	paths map[*egress.Path]*pathWait
	n     atomic.Int32 // len(paths): Done looks at it without the lock
}

type pathWait struct {
	// keys are the queues with items parked for the path, each with the
	// route in force when its first item still parked was parked.
	keys  map[message.QueueKey]policy.RouteStamp
	clock int64 // the fallback due time given to the last item parked, Unix ns
}

// parkForRoom parks it in its scheduled queue until p has room for it;
// expires is when its message reaches its max age.
func (e *Engine) parkForRoom(p *egress.Path, key message.QueueKey, it *queue.Item, expires time.Time) {
	rw := &e.roomw
	now := time.Now()
	rw.mu.Lock()
	if rw.paths == nil {
		rw.paths = make(map[*egress.Path]*pathWait)
	}
	pw := rw.paths[p]
	if pw == nil {
		pw = &pathWait{keys: make(map[message.QueueKey]policy.RouteStamp)}
		rw.paths[p] = pw
		rw.n.Store(int32(len(rw.paths)))
	}
	var due int64
	if at, ok := it.ParkedDue(); ok && at.After(now.Add(parkStep)) {
		// Released, it found the path full again (fresh mail took the
		// room first): it keeps its place in the line. (A place whose
		// fallback time has come goes to the end, as a fallback does.)
		due = at.UnixNano()
	} else {
		due = max(now.Add(parkMin).UnixNano(), pw.clock+int64(parkStep))
		pw.clock = due
	}
	if _, ok := pw.keys[key]; !ok {
		// The oldest stamp stays: a change since then concerns the items
		// parked first.
		pw.keys[key] = e.guard.RouteStampFor(key.Tenant, key.Campaign, key.Domain)
	}
	// Under rw.mu, so that a release looking for this queue's parked items
	// finds this one once it finds the queue.
	e.sched.AddParked(key, it, time.Unix(0, min(due, expires.UnixNano())))
	rw.mu.Unlock()
	if p.Room() > 0 {
		// A job left between the dispatcher's look at the path and now,
		// and its release found nothing parked.
		e.releaseRoom(p, 1)
	}
}

// waiting reports whether items are parked for room on p.
func (rw *roomWait) waiting(p *egress.Path) bool {
	if rw.n.Load() == 0 {
		return false
	}
	rw.mu.Lock()
	defer rw.mu.Unlock()
	return rw.paths[p] != nil
}

// releaseRoom makes up to n items parked for p due now, and returns how
// many it released.
func (e *Engine) releaseRoom(p *egress.Path, n int) int {
	rw := &e.roomw
	rw.mu.Lock()
	defer rw.mu.Unlock()
	pw := rw.paths[p]
	if pw == nil {
		return 0
	}
	done := 0
	for key := range pw.keys {
		if done >= n {
			break
		}
		r, left := e.sched.Release(key, n-done)
		done += r
		if left == 0 {
			delete(pw.keys, key)
		}
	}
	if len(pw.keys) == 0 {
		delete(rw.paths, p)
		rw.n.Store(int32(len(rw.paths)))
	}
	return done
}

// jobLeft is told that a job left p (an attempt ended): the room it made
// goes to an item parked for p, if any.
func (e *Engine) jobLeft(p *egress.Path) {
	if p == nil || e.roomw.n.Load() == 0 {
		return
	}
	if p.Room() > 0 {
		e.releaseRoom(p, 1)
	}
}

// refillPaths runs every roomCheck: a path with parked items that is less
// than half full gets its room's worth released. Releases one for one as
// jobs leave keep a full path full; this catches the releases that went
// elsewhere (an item parked for p whose message now goes to another
// path) or never came. First, the queues whose route may have changed
// since their items were parked are released whole (rerouteParked).
func (e *Engine) refillPaths() {
	if e.roomw.n.Load() == 0 {
		return
	}
	e.rerouteParked()
	e.roomw.mu.Lock()
	paths := make([]*egress.Path, 0, len(e.roomw.paths))
	for p := range e.roomw.paths {
		paths = append(paths, p)
	}
	e.roomw.mu.Unlock()
	for _, p := range paths {
		if !p.Suspended().IsZero() || !p.BackedOff().IsZero() {
			continue // its items would only be held again, for a time
		}
		if room := p.Room(); room > p.Len() {
			e.releaseRoom(p, room)
		}
	}
}

// releaseAllParked makes every parked item due now: after a reload its
// route may lead elsewhere (before, a held item came due again within
// 30 s and was routed again). `wasmta queue flush` does the same for the
// items it selects; a policy or table push reaches the queues whose route
// it may change (rerouteParked).
func (e *Engine) releaseAllParked() {
	e.roomw.mu.Lock()
	paths := make([]*egress.Path, 0, len(e.roomw.paths))
	for p := range e.roomw.paths {
		paths = append(paths, p)
	}
	e.roomw.mu.Unlock()
	n := 0
	for _, p := range paths {
		n += e.releaseRoom(p, math.MaxInt)
	}
	if n > 0 {
		e.log.Info("items waiting for room on a full path made due again", "items", n)
	}
}

// rerouteParked makes due now every parked item of a queue whose route
// may have changed since it was parked (a policy push, rollback or
// removal for its tenant or the global policy, a new version of a table
// its route read): the operator who moves a provider's mail to another
// pool in the middle of an incident expects the backlog behind the old,
// full path to move too, within seconds, as it did when a held item came
// due again every 0.1-30 s. Each released item is routed once more (one
// read of its envelope); a queue whose route did not change costs a few
// map reads per check.
func (e *Engine) rerouteParked() {
	rw := &e.roomw
	var changed []message.QueueKey
	rw.mu.Lock()
	for p, pw := range rw.paths {
		for key, st := range pw.keys {
			if e.guard.RouteChanged(st, key.Tenant, key.Campaign, key.Domain) {
				changed = append(changed, key)
				delete(pw.keys, key)
			}
		}
		if len(pw.keys) == 0 {
			delete(rw.paths, p)
		}
	}
	rw.n.Store(int32(len(rw.paths)))
	rw.mu.Unlock()
	n := 0
	for _, key := range changed {
		r, _ := e.sched.Release(key, math.MaxInt)
		n += r
	}
	if n > 0 {
		e.log.Info("items waiting for room made due again: their route changed", "items", n, "queues", len(changed))
	}
}
