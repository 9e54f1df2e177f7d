package shaping

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmta/wasmta/mta/events"
)

// ErrNotFound is returned for an action id that is not active.
var ErrNotFound = errors.New("shaping: no such active action")

// Event is what happened to an action.
type Event string

// Events of an action's life.
const (
	Started   Event = "started"
	Extended  Event = "extended" // the same action was asked again: its expiry moved later
	Cancelled Event = "cancelled"
	Expired   Event = "expired"
)

// Change tells the registry's owner about an action that started, moved
// its expiry, or ended.
type Change struct {
	Event  Event
	Action Action
}

// Ended reports whether the change ends the action.
func (c Change) Ended() bool { return c.Event == Cancelled || c.Event == Expired }

// Options configures a Registry.
type Options struct {
	// Store keeps actions across restarts (the spool); nil keeps them in
	// memory only.
	Store Store
	// Records receives one record per start, extension, cancellation and
	// expiry; nil writes none.
	Records events.Sink
	// OnChange is called after every change, outside the registry's lock,
	// in the goroutine that made it (the expiry timer's for expiries).
	OnChange func(Change)
	// Share, when set, is told about every change made on this node (an
	// Add, an extension, a cancellation), not about expiries nor about
	// the changes Apply and Remove bring from other nodes: the fleet
	// (mta/fleet) passes them on. It is called after OnChange, in the
	// same goroutine, and must not block.
	Share func(Change)
	// IDSuffix ends every id this registry gives out ("-" and the node
	// name in a fleet), so that ids made on two nodes never clash.
	IDSuffix string
	Logger   *slog.Logger
}

// Registry holds the active actions.
type Registry struct {
	opts Options
	log  *slog.Logger

	mu     sync.Mutex
	byID   map[string]*entry
	lastID int64
	closed bool

	snap atomic.Pointer[snapshot]
}

type entry struct {
	a     Action
	timer *time.Timer
	pace  *pacer // message-level rate actions only
}

// snapshot is the immutable view the delivery path reads.
type snapshot struct {
	actions []*entry // in creation order
}

// New returns an empty registry; Load restores the stored actions.
func New(opts Options) *Registry {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	r := &Registry{opts: opts, log: opts.Logger, byID: make(map[string]*entry)}
	r.snap.Store(&snapshot{})
	return r
}

// Add starts an action and returns it with its id. When the same action
// (kind, selector and shape) is already active, no second one starts: its
// expiry moves to the new one if that is later by more than a tenth of the
// duration (so that the replies of messages already in flight when it
// started do not each extend it), and added is false.
func (r *Registry) Add(a Action) (_ Action, added bool, _ error) {
	now := time.Now()
	if a.Created.IsZero() {
		a.Created = now
	}
	a.Select = a.Select.Normalize()
	if err := a.Validate(now); err != nil {
		return a, false, err
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return a, false, errors.New("shaping: registry closed")
	}
	if e := r.sameLocked(&a); e != nil {
		return r.extendLocked(e, a.Expires, now)
	}
	a.ID = r.newIDLocked(now)
	r.putLocked(a, now)
	r.publishLocked()
	r.mu.Unlock()
	r.save(&a)
	r.changed(Change{Event: Started, Action: a}, now, "")
	return a, true, nil
}

func (r *Registry) sameLocked(a *Action) *entry {
	for _, e := range r.byID {
		if e.a.same(a) {
			return e
		}
	}
	return nil
}

// extendLocked moves e's expiry to exp when that is later enough; it
// unlocks r.mu.
func (r *Registry) extendLocked(e *entry, exp, now time.Time) (Action, bool, error) {
	slack := max(time.Second, e.a.Expires.Sub(e.a.Created)/10)
	if exp.Sub(e.a.Expires) <= slack {
		a := e.a
		r.mu.Unlock()
		return a, false, nil
	}
	e.a.Expires = exp
	r.armLocked(e, now)
	r.publishLocked()
	a := e.a
	r.mu.Unlock()
	r.save(&a)
	r.changed(Change{Event: Extended, Action: a}, now, "")
	return a, false, nil
}

// putLocked holds a as active, with its pacer and expiry timer.
func (r *Registry) putLocked(a Action, now time.Time) {
	e := &entry{a: a}
	if a.Kind == Shape && a.Shape != nil && !a.Select.PathLevel() {
		e.pace = newPacer(*a.Shape)
	}
	r.byID[a.ID] = e
	r.armLocked(e, now)
}

// armLocked (re)starts the expiry timer of e.
func (r *Registry) armLocked(e *entry, now time.Time) {
	if e.timer != nil {
		e.timer.Stop()
	}
	id, exp := e.a.ID, e.a.Expires
	e.timer = time.AfterFunc(exp.Sub(now), func() { r.expire(id, exp) })
}

// newIDLocked returns a short id that sorts in creation order.
func (r *Registry) newIDLocked(now time.Time) string {
	n := now.UnixMilli()
	if n <= r.lastID {
		n = r.lastID + 1
	}
	r.lastID = n
	return "a" + strconv.FormatInt(n, 36) + r.opts.IDSuffix
}

// publishLocked rebuilds the snapshot the delivery path reads.
func (r *Registry) publishLocked() {
	s := &snapshot{actions: make([]*entry, 0, len(r.byID))}
	for _, e := range r.byID {
		c := *e
		s.actions = append(s.actions, &c)
	}
	slices.SortFunc(s.actions, func(a, b *entry) int {
		return a.a.Created.Compare(b.a.Created)
	})
	r.snap.Store(s)
}

func (r *Registry) expire(id string, exp time.Time) {
	r.mu.Lock()
	e := r.byID[id]
	if e == nil || !e.a.Expires.Equal(exp) {
		r.mu.Unlock()
		return // cancelled, or extended: its new timer runs
	}
	delete(r.byID, id)
	r.publishLocked()
	r.mu.Unlock()
	r.forget(id)
	r.changed(Change{Event: Expired, Action: e.a}, time.Now(), "")
}

// Cancel ends an active action now; reason says who and why.
func (r *Registry) Cancel(id, reason string) (Action, error) {
	r.mu.Lock()
	e := r.byID[id]
	if e == nil {
		r.mu.Unlock()
		return Action{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	r.removeLocked(e)
	r.publishLocked()
	r.mu.Unlock()
	r.forget(id)
	r.changed(Change{Event: Cancelled, Action: e.a}, time.Now(), reason)
	return e.a, nil
}

// CancelWithin ends every active action of the kind ("" for both) whose
// selector lies within sel (see Selector.Within) and returns them.
func (r *Registry) CancelWithin(sel Selector, kind Kind, reason string) []Action {
	sel = sel.Normalize()
	r.mu.Lock()
	var gone []*entry
	for _, e := range r.byID {
		if (kind == "" || e.a.Kind == kind) && e.a.Select.Within(sel) {
			gone = append(gone, e)
			r.removeLocked(e)
		}
	}
	r.publishLocked()
	r.mu.Unlock()
	slices.SortFunc(gone, func(a, b *entry) int { return a.a.Created.Compare(b.a.Created) })
	out := make([]Action, 0, len(gone))
	for _, e := range gone {
		r.forget(e.a.ID)
		r.changed(Change{Event: Cancelled, Action: e.a}, time.Now(), reason)
		out = append(out, e.a)
	}
	return out
}

func (r *Registry) removeLocked(e *entry) {
	e.timer.Stop()
	delete(r.byID, e.a.ID)
}

// List returns the active actions in creation order.
func (r *Registry) List() []Action {
	s := r.snap.Load()
	out := make([]Action, 0, len(s.actions))
	now := time.Now()
	for _, e := range s.actions {
		if e.a.Expires.After(now) {
			out = append(out, e.a)
		}
	}
	return out
}

// Get returns one active action.
func (r *Registry) Get(id string) (Action, bool) {
	for _, e := range r.snap.Load().actions {
		if e.a.ID == id {
			return e.a, true
		}
	}
	return Action{}, false
}

// Close stops the expiry timers; actions stay stored for the next start.
func (r *Registry) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	for _, e := range r.byID {
		e.timer.Stop()
	}
}

// changed records a change and tells the owner.
func (r *Registry) changed(c Change, at time.Time, reason string) {
	r.log.Info("shaping action "+string(c.Event), "id", c.Action.ID, "kind", c.Action.Kind,
		"target", c.Action.Target(), "expires", c.Action.Expires, "origin", c.Action.Origin, "reason", c.Action.Reason)
	if r.opts.Records != nil {
		r.opts.Records.Record(record(&c.Action, c.Event, at, reason))
	}
	if r.opts.OnChange != nil {
		r.opts.OnChange(c)
	}
	if r.opts.Share != nil && c.Event != Expired {
		r.opts.Share(c)
	}
}
