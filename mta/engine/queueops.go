package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/queue"
)

// Affected counts what a queue operation (bounce, rebind) took.
type Affected struct {
	Messages   int
	Recipients int
}

// heldItem is an item a queue operation took out of a queue.
type heldItem struct {
	key  message.QueueKey
	item *queue.Item
	msg  *message.Message // set when it came from a ready queue
}

// itemMatch selects items of a queue operation.
type itemMatch func(message.QueueKey, *queue.Item) bool

// byKey selects the items of the queues match selects.
func byKey(match func(message.QueueKey) bool) itemMatch {
	return func(k message.QueueKey, _ *queue.Item) bool { return match(k) }
}

// takeScheduled removes the matching items from the scheduled queues.
func (e *Engine) takeScheduled(match itemMatch) []heldItem {
	var out []heldItem
	e.sched.Take(func(k message.QueueKey, it *queue.Item) bool {
		if !match(k, it) {
			return false
		}
		out = append(out, heldItem{key: k, item: it})
		return true
	})
	return out
}

// takeReady removes the matching items from the jobs waiting in the ready
// queues; the other items of those jobs go back to their path. Jobs
// already on a connection finish their attempt.
func (e *Engine) takeReady(match itemMatch) []heldItem {
	keyOf := func(j *egress.Job, it *queue.Item) message.QueueKey {
		return j.Queue.WithDomain(j.Msg.Recipients[it.Rcpts[0]].Domain())
	}
	var out []heldItem
	for _, p := range e.ready.Paths() {
		jobs := p.TakeJobs(func(j *egress.Job) bool {
			return slices.ContainsFunc(j.Items, func(it *queue.Item) bool { return match(keyOf(j, it), it) })
		})
		for _, j := range jobs {
			var keep []*queue.Item
			for _, it := range j.Items {
				if k := keyOf(j, it); match(k, it) {
					out = append(out, heldItem{key: k, item: it, msg: j.Msg})
				} else {
					keep = append(keep, it)
				}
			}
			if len(keep) > 0 {
				j.Items = keep
				j.Queue = keyOf(j, keep[0])
				p.Enqueue(j)
			}
		}
	}
	return out
}

func groupByMessage(items []heldItem) map[message.ID][]heldItem {
	out := make(map[message.ID][]heldItem)
	for _, h := range items {
		out[h.item.ID] = append(out[h.item.ID], h)
	}
	return out
}

// Bounce ends every queued recipient that sel matches with an AdminBounce
// record, and deletes messages left with nothing to deliver. Items in the
// middle of an attempt finish it; if it fails temporarily they are queued
// again and a second Bounce catches them.
func (e *Engine) Bounce(sel message.Selector, reason string) Affected {
	if reason == "" {
		reason = "bounced by the administrator"
	}
	held := append(e.takeScheduled(byKey(sel.Match)), e.takeReady(byKey(sel.Match))...)
	var res Affected
	for id, items := range groupByMessage(held) {
		m := items[0].msg
		if m == nil {
			var err error
			if m, err = e.spool.Message(id); err != nil {
				e.log.Error("admin bounce: load message", "id", id, "err", err)
				e.itemDone(id, len(items))
				continue
			}
		}
		res.Messages++
		res.Recipients += e.bounceItems(m, items, reason)
	}
	e.log.Info("admin bounce", "tenant", sel.Tenant, "campaign", sel.Campaign, "domain", sel.Domain,
		"messages", res.Messages, "recipients", res.Recipients, "reason", reason)
	return res
}

func (e *Engine) bounceItems(m *message.Message, items []heldItem, reason string) int {
	resp := message.Response{Text: "bounced by the administrator: " + reason}
	var idx []int
	var states []message.RcptState
	for _, h := range items {
		for _, ri := range h.item.Rcpts {
			e.record(&events.Record{Type: events.AdminBounce, ID: m.ID.String(), Tenant: m.Tenant,
				Campaign: m.Campaign, Sender: m.Sender, Recipient: m.Recipients[ri].Addr, Queue: h.key.String(),
				Attempts: int(h.item.Attempts), QueueTime: time.Since(m.ReceivedAt).Seconds(),
				Response: &resp, Reason: reason, Meta: m.Meta})
			idx = append(idx, int(ri))
			states = append(states, message.RcptState{Status: message.Bounced, Attempts: int(h.item.Attempts), Last: resp})
		}
	}
	if e.pendingItems(m.ID) > len(items) {
		if err := e.spool.SetStates(m.ID, idx, states, false); err != nil {
			e.log.Error("spool: save recipient states", "id", m.ID, "err", err)
		}
	}
	e.itemDone(m.ID, len(items))
	return len(idx)
}

// rebinds holds the pools that admin rebinds gave to queued items, per
// (message, recipient domain). The envelope is written once (see the
// spool's doc), so a rebind lives in the spool's "rebind" namespace and
// in this map, which dispatch consults. Entries of messages that are no
// longer pending are swept every minute.
type rebinds struct {
	load  sync.Once
	sweep sync.Once
	n     atomic.Int64
	mu    sync.RWMutex
	m     map[rebindKey]string
}

type rebindKey struct {
	id     message.ID
	domain string
}

const rebindNS = "rebind"

func (k rebindKey) bytes() []byte { return append(k.id[:len(k.id):len(k.id)], k.domain...) }

// poolOverride returns the pool a rebind gave to the item, or "".
func (e *Engine) poolOverride(id message.ID, domain string) string {
	rb := &e.rebinds
	rb.load.Do(e.loadRebinds)
	if rb.n.Load() == 0 {
		return ""
	}
	rb.mu.RLock()
	defer rb.mu.RUnlock()
	return rb.m[rebindKey{id, domain}]
}

// loadRebinds reads the rebinds of the spool, at the first dispatch.
func (e *Engine) loadRebinds() {
	rb := &e.rebinds
	rb.m = make(map[rebindKey]string)
	err := e.spool.ScanAux(rebindNS, nil, func(k, v []byte) error {
		var id message.ID
		if len(k) < len(id) {
			return nil
		}
		copy(id[:], k)
		rb.m[rebindKey{id, string(k[len(id):])}] = string(v)
		return nil
	})
	if err != nil {
		e.log.Error("admin: load rebinds", "err", err)
	}
	rb.n.Store(int64(len(rb.m)))
	if len(rb.m) > 0 {
		e.startRebindSweep()
	}
}

func (e *Engine) startRebindSweep() {
	e.rebinds.sweep.Do(func() {
		e.wg.Go(func() { e.every(time.Minute, e.sweepRebinds) })
	})
}

// sweepRebinds forgets the rebinds of messages that are no longer pending.
// Not before the rebuild has queued every stored message: until then the
// pending map lacks those it has not reached.
func (e *Engine) sweepRebinds() {
	if !e.rebuiltAll.Load() {
		return
	}
	rb := &e.rebinds
	rb.mu.Lock()
	var gone []rebindKey
	e.pendMu.Lock()
	for k := range rb.m {
		if e.pend[k.id] == 0 {
			gone = append(gone, k)
			delete(rb.m, k)
		}
	}
	e.pendMu.Unlock()
	rb.n.Store(int64(len(rb.m)))
	rb.mu.Unlock()
	for _, k := range gone {
		if err := e.spool.DeleteAux(rebindNS, k.bytes(), false); err != nil {
			e.log.Error("admin: forget rebind", "id", k.id, "err", err)
		}
	}
}

// Rebind sends every queued item that sel matches through pool from its
// next attempt on: items waiting in ready queues go back to the scheduled
// queue, due now; items in the scheduled queue keep their due time.
// Items in the middle of an attempt finish it on their old pool.
func (e *Engine) Rebind(ctx context.Context, sel message.Selector, pool string) (Affected, error) {
	if !e.HasPool(pool) {
		return Affected{}, fmt.Errorf("engine: rebind: no pool named %q", pool)
	}
	e.rebinds.load.Do(e.loadRebinds)
	var keys []rebindKey
	var res Affected
	msgs := map[message.ID]bool{}
	note := func(id message.ID, k message.QueueKey, it *queue.Item) {
		keys = append(keys, rebindKey{id, k.Domain})
		msgs[id] = true
		res.Recipients += len(it.Rcpts)
	}
	e.sched.Take(func(k message.QueueKey, it *queue.Item) bool {
		if sel.Match(k) {
			note(it.ID, k, it)
		}
		return false // only looking
	})
	ready := e.takeReady(byKey(sel.Match))
	for _, h := range ready {
		note(h.item.ID, h.key, h.item)
	}
	err := e.saveRebinds(ctx, keys, pool)
	for _, h := range ready {
		h.item.SetDue(time.Now())
		e.sched.Add(h.key, h.item)
	}
	res.Messages = len(msgs)
	e.log.Info("admin rebind", "tenant", sel.Tenant, "campaign", sel.Campaign, "domain", sel.Domain,
		"pool", pool, "messages", res.Messages, "recipients", res.Recipients, "err", err)
	return res, err
}

// saveRebinds stores the rebinds; only the last write is synced, which
// makes the WAL, and so every write before it, durable.
func (e *Engine) saveRebinds(ctx context.Context, keys []rebindKey, pool string) error {
	rb := &e.rebinds
	var errs []error
	for i, k := range keys {
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		if err := e.spool.PutAux(rebindNS, k.bytes(), []byte(pool), i == len(keys)-1); err != nil {
			errs = append(errs, err)
			continue
		}
		rb.mu.Lock()
		rb.m[k] = pool
		rb.n.Store(int64(len(rb.m)))
		rb.mu.Unlock()
	}
	if len(keys) > 0 {
		e.startRebindSweep()
	}
	return errors.Join(errs...)
}
