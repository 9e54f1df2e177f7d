package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/queue"
)

// Submit spools an accepted message and queues it. It returns once the
// message is synced: reception answers 250 only after a nil error.
// spooled, when not nil, runs once the message is synced and before it is
// queued: a record written there precedes every record of its delivery.
func (e *Engine) Submit(ctx context.Context, m *message.Message, body []byte, spooled func()) error {
	if err := e.Admission(); err != nil {
		return err
	}
	dropped := e.dropSuppressed(m)
	if len(m.Recipients) == 0 {
		// Every recipient is suppressed: nothing to spool. The client is
		// told the message was accepted, and the records say where it went.
		if spooled != nil {
			spooled()
		}
		e.recordDropped(m, dropped)
		return nil
	}
	if err := e.spool.Put(ctx, m, body); err != nil {
		return fmt.Errorf("engine: spool %s: %w", m.ID, err)
	}
	if spooled != nil {
		spooled()
	}
	e.recordDropped(m, dropped)
	e.enqueue(m, body, splitByDomain(m, nil), time.Now(), true)
	return nil
}

// splitByDomain groups the recipient indices of m by domain, keeping only
// those for which keep is true (nil keeps all). The order of domains is the
// order of first appearance.
func splitByDomain(m *message.Message, keep func(i int) bool) map[string][]uint16 {
	out := make(map[string][]uint16, 1)
	for i, r := range m.Recipients {
		if keep != nil && !keep(i) {
			continue
		}
		d := r.Domain()
		out[d] = append(out[d], uint16(i))
	}
	return out
}

// enqueue creates one item per domain. Fresh messages take the express
// lane straight to the dispatchers with their body in hand, unless the
// dispatchers are busy or the queue is paused; everything else waits in
// the scheduled queue.
func (e *Engine) enqueue(m *message.Message, body []byte, byDomain map[string][]uint16, due time.Time, express bool) {
	e.pendMu.Lock()
	e.pend[m.ID] += len(byDomain)
	e.pendMu.Unlock()
	for d, rcpts := range byDomain {
		key := message.QueueKey{Tenant: m.Tenant, Campaign: m.Campaign, Domain: d}
		it := queue.NewItem(m.ID, rcpts, 0, due)
		if express && !e.sched.Paused(key) {
			select {
			case e.dispatchQ <- dispatchReq{key: key, item: it, msg: m, body: body}:
				continue
			default:
			}
		}
		e.sched.Add(key, it)
	}
}

// itemDone marks one item of a message finished and deletes the message
// once none is left.
func (e *Engine) itemDone(id message.ID, n int) {
	e.pendMu.Lock()
	left := e.pend[id] - n
	if left <= 0 {
		delete(e.pend, id)
	} else {
		e.pend[id] = left
	}
	e.pendMu.Unlock()
	if left <= 0 {
		if err := e.spool.Delete(id); err != nil {
			e.log.Error("spool delete", "id", id, "err", err)
		}
	}
}
