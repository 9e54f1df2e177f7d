package shaping

import (
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

// Suspended returns the suspension covering sub that ends last, if any.
func (r *Registry) Suspended(sub Subject) (Action, bool) {
	var best *entry
	now := time.Now()
	for _, e := range r.snap.Load().actions {
		if e.a.Kind == Suspend && e.a.Expires.After(now) && e.a.Select.Matches(sub) &&
			(best == nil || e.a.Expires.After(best.a.Expires)) {
			best = e
		}
	}
	if best == nil {
		return Action{}, false
	}
	return best.a, true
}

// Active reports whether the action with that id is still in force.
func (r *Registry) Active(id string) bool {
	_, ok := r.Get(id)
	return ok
}

// Adjust returns the shape in force on the path of sub: base with every
// matching path-level shape action applied, oldest first.
func (r *Registry) Adjust(sub Subject, base policy.Shape) policy.Shape {
	now := time.Now()
	for _, e := range r.snap.Load().actions {
		if e.shapesPath(sub, now) {
			base = e.a.Shape.Apply(base)
		}
	}
	return base
}

// shapesPath reports whether e is a path-level shape action in force at
// now on the path of sub.
func (e *entry) shapesPath(sub Subject, now time.Time) bool {
	return e.a.Kind == Shape && e.a.Select.PathLevel() && e.a.Expires.After(now) && e.a.Select.Matches(sub)
}

// PathActions returns the path-level shape actions in force on the path
// of sub, in the order Adjust applies them (oldest first): an operator
// view of what overrides the path's own limits.
func (r *Registry) PathActions(sub Subject) []Action {
	var out []Action
	now := time.Now()
	for _, e := range r.snap.Load().actions {
		if e.shapesPath(sub, now) {
			out = append(out, e.a)
		}
	}
	return out
}

// Pace takes a token for one message of sub from every matching
// tenant, campaign or domain rate action, and returns how long the message
// must wait for the slowest of them, and that action's id. The token is
// spent: a caller that delays the message by the returned time must not
// ask again for it.
func (r *Registry) Pace(sub Subject) (time.Duration, string) {
	var wait time.Duration
	var id string
	now := time.Now()
	for _, e := range r.snap.Load().actions {
		if e.pace == nil || !e.a.Expires.After(now) || !e.a.Select.Matches(sub) {
			continue
		}
		if d := e.pace.take(now); d > wait {
			wait, id = d, e.a.ID
		}
	}
	return wait, id
}

// Paced reports whether some rate action covers sub (a cheap test before
// Pace).
func (r *Registry) Paced(sub Subject) bool {
	for _, e := range r.snap.Load().actions {
		if e.pace != nil && e.a.Select.Matches(sub) {
			return true
		}
	}
	return false
}
