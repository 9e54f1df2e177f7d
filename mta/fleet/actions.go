package fleet

import (
	"context"
	"encoding/json"
	"maps"
	"strconv"
	"sync"
	"time"

	"github.com/wasmta/wasmta/mta/shaping"
)

// actions carries live actions between the node's shaping registry and
// the fleet. The hash {wasmta}:actions holds every action in force, the
// hash {wasmta}:cancelled a tombstone per cancelled one (until it would
// have expired), so that a node can tell "cancelled elsewhere" from "not
// written yet" or "lost by a Redis restart".
type actions struct {
	f   *Fleet
	reg *shaping.Registry

	mu      sync.Mutex
	pending map[string]pendingAction // local changes not yet in Redis, by id
}

type pendingAction struct {
	a      shaping.Action
	cancel bool
}

// ShareActions makes reg's changes the fleet's and applies the fleet's
// to reg. Call it before Start, with reg built with Options.Share =
// the returned function and IDSuffix = "-" + Node().
func (f *Fleet) ShareActions(reg *shaping.Registry) {
	s := &actions{f: f, reg: reg, pending: map[string]pendingAction{}}
	f.actions = s
	f.on("action", s.onAction)
	f.on("cancel", s.onCancel)
	f.addSyncer(syncer{name: "actions", flush: s.flush, pull: s.pull})
}

// ShareAction is the shaping registry's Share option: it queues a local
// change for Redis and wakes the sync loop. It never blocks.
func (f *Fleet) ShareAction(c shaping.Change) {
	s := f.actions
	if s == nil {
		return
	}
	s.mu.Lock()
	s.pending[c.Action.ID] = pendingAction{a: c.Action, cancel: c.Ended()}
	s.mu.Unlock()
	f.wake()
}

// IDSuffix is what the shaping registry appends to the ids it gives out.
func (f *Fleet) IDSuffix() string { return "-" + f.node }

func (s *actions) onAction(_ string, data json.RawMessage) {
	var a shaping.Action
	if err := json.Unmarshal(data, &a); err != nil {
		s.f.log.Warn("fleet: unreadable action announcement", "err", err)
		return
	}
	if _, err := s.reg.Apply(a); err != nil {
		s.f.log.Warn("fleet: action not applied", "id", a.ID, "err", err)
	}
}

func (s *actions) onCancel(_ string, data json.RawMessage) {
	var c struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(data, &c) == nil {
		s.reg.Remove(c.ID)
	}
}

// flush writes the pending changes and announces them, in one pipeline.
func (s *actions) flush(ctx context.Context) (int, error) {
	s.mu.Lock()
	batch := maps.Clone(s.pending)
	s.mu.Unlock()
	if len(batch) == 0 {
		return 0, nil
	}
	p := s.f.rdb.Pipeline()
	for id, pa := range batch {
		if pa.cancel {
			p.HDel(ctx, keyActions, id)
			p.HSet(ctx, keyCancelled, id, strconv.FormatInt(pa.a.Expires.UnixMilli(), 10))
			s.f.announce(ctx, p, "cancel", map[string]string{"id": id})
			continue
		}
		b, _ := json.Marshal(pa.a)
		p.HSet(ctx, keyActions, id, b)
		s.f.announce(ctx, p, "action", pa.a)
	}
	if _, err := p.Exec(ctx); err != nil {
		return len(batch), err
	}
	s.mu.Lock()
	for id, pa := range batch {
		if cur, ok := s.pending[id]; ok && cur == pa {
			delete(s.pending, id)
		}
	}
	s.mu.Unlock()
	return len(batch), nil
}

// pull makes the registry agree with Redis: actions in the hash are
// applied; a local action missing there is removed when a tombstone says
// it was cancelled, and written back otherwise (it was made while Redis
// was away, or Redis lost it); expired entries and tombstones go.
func (s *actions) pull(ctx context.Context) error {
	p := s.f.rdb.Pipeline()
	live := p.HGetAll(ctx, keyActions)
	dead := p.HGetAll(ctx, keyCancelled)
	if _, err := p.Exec(ctx); err != nil {
		return err
	}
	now := time.Now()
	var stale, staleDead []string
	for id, v := range live.Val() {
		var a shaping.Action
		if json.Unmarshal([]byte(v), &a) != nil || !a.Expires.After(now) {
			stale = append(stale, id)
			continue
		}
		if _, gone := dead.Val()[id]; gone {
			stale = append(stale, id)
			continue
		}
		s.mu.Lock()
		_, mine := s.pending[id] // a newer local change is on its way
		s.mu.Unlock()
		if !mine {
			s.reg.Apply(a)
		}
	}
	for id, v := range dead.Val() {
		if ms, _ := strconv.ParseInt(v, 10, 64); ms < now.UnixMilli() {
			staleDead = append(staleDead, id)
		}
	}
	for _, a := range s.reg.List() {
		if _, ok := live.Val()[a.ID]; ok {
			continue
		}
		if _, gone := dead.Val()[a.ID]; gone {
			s.reg.Remove(a.ID)
			continue
		}
		s.mu.Lock()
		if _, queued := s.pending[a.ID]; !queued {
			s.pending[a.ID] = pendingAction{a: a}
		}
		s.mu.Unlock()
	}
	return s.cleanup(ctx, stale, staleDead)
}

func (s *actions) cleanup(ctx context.Context, stale, staleDead []string) error {
	if len(stale)+len(staleDead) == 0 {
		_, err := s.flush(ctx)
		return err
	}
	p := s.f.rdb.Pipeline()
	if len(stale) > 0 {
		p.HDel(ctx, keyActions, stale...)
	}
	if len(staleDead) > 0 {
		p.HDel(ctx, keyCancelled, staleDead...)
	}
	if _, err := p.Exec(ctx); err != nil {
		return err
	}
	_, err := s.flush(ctx)
	return err
}
