package shaping

import (
	"time"

	"github.com/wasmta/wasmta/mta/events"
)

// record is the event record of a change: a Suspension or a ShapingChange
// record whose Expires is when the action ends (for a cancellation, the
// moment it was cancelled) and whose Meta holds the action id, its origin,
// what happened ("started", "extended", "cancelled", "expired") and, for a
// shaping change, the new limits.
func record(a *Action, ev Event, at time.Time, reason string) *events.Record {
	typ := events.ShapingChange
	if a.Kind == Suspend {
		typ = events.Suspension
	}
	exp := a.Expires
	if ev == Cancelled {
		exp = at
	}
	if reason == "" {
		reason = a.Reason
	}
	r := &events.Record{Type: typ, Time: at, Tenant: a.Select.Tenant, Campaign: a.Select.Campaign,
		Site: a.Select.Site, Source: a.Select.Source, Category: a.Category, Scope: a.Scope(),
		Target: a.Target(), Reason: reason, Expires: &exp,
		Meta: map[string]string{"action": a.ID, "origin": string(a.Origin), "event": string(ev)}}
	if a.Shape != nil {
		r.Meta["shape"] = a.Shape.String()
	}
	return r
}
