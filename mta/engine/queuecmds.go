package engine

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/queue"
)

// QueuedItem is one item of a scheduled queue, as `wasmta queue list`
// shows it: a message's recipients of one domain.
type QueuedItem struct {
	ID         string
	Queue      string
	Recipients int
	Attempts   int
	Due        time.Time
}

// ListScheduled returns the items of the scheduled queues that sel
// matches, ordered by message id then queue, starting after the message
// id after (a page's cursor), at most limit; more reports whether others
// follow. Items in ready queues or on a connection are counted by
// QueueSummary's in-flight total, not listed.
func (e *Engine) ListScheduled(sel message.Selector, after string, limit int) (items []QueuedItem, more bool) {
	e.sched.Take(func(k message.QueueKey, it *queue.Item) bool {
		if id := it.ID.String(); sel.Match(k) && id > after {
			items = append(items, QueuedItem{ID: id, Queue: k.String(), Recipients: len(it.Rcpts),
				Attempts: int(it.Attempts), Due: it.Due()})
		}
		return false // look, never take
	})
	slices.SortFunc(items, func(a, b QueuedItem) int { return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Queue, b.Queue)) })
	if len(items) > limit {
		// Never cut between two items of one message: the cursor is a
		// message id.
		cut := limit
		for cut > 0 && items[cut].ID == items[cut-1].ID {
			cut--
		}
		if cut == 0 {
			cut = limit
		}
		return items[:cut], true
	}
	return items, false
}

// Flush makes every scheduled item sel matches due now, and ends the
// back-off pause of their queues: the next attempt is at once, at the
// pace of its path. Items a suspension holds are held again when due.
func (e *Engine) Flush(sel message.Selector) Affected {
	held := e.takeScheduled(byKey(sel.Match))
	now := time.Now()
	ids := map[message.ID]bool{}
	keys := map[message.QueueKey]bool{}
	var res Affected
	for _, h := range held {
		h.item.SetDue(now)
		keys[h.key] = true
		ids[h.item.ID] = true
		res.Recipients += len(h.item.Rcpts)
	}
	for k := range keys {
		e.sched.Pause(k, time.Time{})
	}
	for _, h := range held {
		e.sched.Add(h.key, h.item)
	}
	res.Messages = len(ids)
	e.log.Info("admin flush", "tenant", sel.Tenant, "campaign", sel.Campaign, "domain", sel.Domain,
		"messages", res.Messages, "recipients", res.Recipients)
	return res
}

// ErrNoRecipient is returned by Delete for a recipient the message has
// not queued.
var ErrNoRecipient = errors.New("no such queued recipient")

// Delete ends a queued message, or only its recipient rcpt, with an
// AdminBounce record whose reason says it was deleted; no DSN is sent.
// A recipient on a connection at the moment finishes its attempt.
func (e *Engine) Delete(id message.ID, rcpt, reason string) (Affected, error) {
	m, err := e.spool.Message(id)
	if err != nil {
		return Affected{}, ErrNoMessage
	}
	idx := -1
	if rcpt != "" {
		idx = slices.IndexFunc(m.Recipients, func(r message.Recipient) bool { return strings.EqualFold(r.Addr, rcpt) })
		if idx < 0 {
			return Affected{}, ErrNoRecipient
		}
	}
	match := func(_ message.QueueKey, it *queue.Item) bool {
		return it.ID == id && (idx < 0 || slices.Contains(it.Rcpts, uint16(idx)))
	}
	var held []heldItem
	for _, h := range append(e.takeScheduled(match), e.takeReady(match)...) {
		held = append(held, e.splitRecipient(h, idx))
	}
	if len(held) == 0 {
		return Affected{}, ErrNoRecipient
	}
	if reason == "" {
		reason = "deleted by the administrator"
	} else {
		reason = "deleted by the administrator: " + reason
	}
	return Affected{Messages: 1, Recipients: e.bounceItems(m, held, reason)}, nil
}

// splitRecipient returns the part of h to delete: all of it, or (idx >= 0)
// only recipient idx, the rest of the item going back to its queue as an
// item of its own.
func (e *Engine) splitRecipient(h heldItem, idx int) heldItem {
	if idx < 0 || len(h.item.Rcpts) == 1 {
		return h
	}
	rest := slices.DeleteFunc(slices.Clone(h.item.Rcpts), func(r uint16) bool { return r == uint16(idx) })
	e.pendMu.Lock()
	e.pend[h.item.ID]++
	e.pendMu.Unlock()
	e.sched.Add(h.key, queue.NewItem(h.item.ID, rest, int(h.item.Attempts), h.item.Due()))
	h.item.Rcpts = []uint16{uint16(idx)}
	return h
}
