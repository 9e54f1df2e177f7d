package shaping

import (
	"encoding/json"
	"fmt"
	"time"
)

// Store is where actions outlive a restart: the spool's aux namespace
// (spool.Store implements it).
type Store interface {
	PutAux(ns string, key, val []byte, sync bool) error
	DeleteAux(ns string, key []byte, sync bool) error
	ScanAux(ns string, prefix []byte, fn func(key, val []byte) error) error
}

// AuxNamespace is the spool aux namespace of the actions, keyed by id.
const AuxNamespace = "shaping"

// save stores an action synced. A failure is logged, not returned: the
// action is in force in memory either way, and traffic control matters
// more than its surviving a restart.
func (r *Registry) save(a *Action) {
	if r.opts.Store == nil {
		return
	}
	b, err := json.Marshal(a)
	if err == nil {
		err = r.opts.Store.PutAux(AuxNamespace, []byte(a.ID), b, true)
	}
	if err != nil {
		r.log.Error("shaping: store action", "id", a.ID, "err", err)
	}
}

func (r *Registry) forget(id string) {
	if r.opts.Store == nil {
		return
	}
	if err := r.opts.Store.DeleteAux(AuxNamespace, []byte(id), false); err != nil {
		r.log.Error("shaping: forget action", "id", id, "err", err)
	}
}

// Load restores the stored actions that have not expired (and forgets the
// others). It writes no records and calls no OnChange: it runs at start,
// before anything is delivered. It returns how many it restored.
func (r *Registry) Load() (int, error) {
	if r.opts.Store == nil {
		return 0, nil
	}
	var stale []string
	var live []Action
	now := time.Now()
	err := r.opts.Store.ScanAux(AuxNamespace, nil, func(k, v []byte) error {
		var a Action
		if err := json.Unmarshal(v, &a); err != nil {
			r.log.Error("shaping: stored action unreadable; dropped", "key", string(k), "err", err)
			stale = append(stale, string(k))
			return nil
		}
		if !a.Expires.After(now) || a.ID != string(k) {
			stale = append(stale, string(k))
			return nil
		}
		live = append(live, a)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("shaping: load actions: %w", err)
	}
	for _, id := range stale {
		r.forget(id)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range live {
		r.putLocked(a, now)
	}
	r.publishLocked()
	return len(live), nil
}
