package shaping

import (
	"fmt"
	"time"
)

// Apply puts in force an action that another node started or extended
// (mta/fleet brings it), under that node's id: it replaces the local copy
// of the same id. It writes no record (the node that made the change
// did) and does not call Share, so a change never travels back. It
// reports whether anything changed: the same id with the same expiry is
// left alone, so a resynchronisation that finds nothing new is silent.
func (r *Registry) Apply(a Action) (bool, error) {
	now := time.Now()
	if a.ID == "" {
		return false, fmt.Errorf("shaping: apply: the action has no id")
	}
	if !a.Expires.After(now) {
		return false, nil
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return false, fmt.Errorf("shaping: registry closed")
	}
	ev := Started
	if old := r.byID[a.ID]; old != nil {
		if old.a.Expires.Equal(a.Expires) && old.a.same(&a) {
			r.mu.Unlock()
			return false, nil
		}
		old.timer.Stop()
		ev = Extended
	}
	r.putLocked(a, now)
	r.publishLocked()
	r.mu.Unlock()
	r.save(&a)
	r.log.Info("shaping action "+string(ev)+" by another node", "id", a.ID, "kind", a.Kind, "target", a.Target(), "expires", a.Expires)
	if r.opts.OnChange != nil {
		r.opts.OnChange(Change{Event: ev, Action: a})
	}
	return true, nil
}

// Remove ends an action that another node cancelled (or that the fleet's
// source of truth no longer holds). Like Apply it writes no record and
// does not call Share; it reports whether the action was active here.
func (r *Registry) Remove(id string) bool {
	r.mu.Lock()
	e := r.byID[id]
	if e == nil {
		r.mu.Unlock()
		return false
	}
	r.removeLocked(e)
	r.publishLocked()
	r.mu.Unlock()
	r.forget(id)
	r.log.Info("shaping action cancelled by another node", "id", id, "target", e.a.Target())
	if r.opts.OnChange != nil {
		r.opts.OnChange(Change{Event: Cancelled, Action: e.a})
	}
	return true
}
