package shaping

import (
	"errors"
	"fmt"
	"time"
)

// Kind is what an action does.
type Kind string

// Kinds of action.
const (
	Suspend Kind = "suspend" // hold the covered messages back (they stay queued)
	Shape   Kind = "shape"   // override the limits of the covered paths
)

// Origin says who asked for an action.
type Origin string

// Origins of actions.
const (
	OriginPolicy Origin = "policy" // a classify decision
	OriginAdmin  Origin = "admin"  // the admin API or CLI
)

// MaxDuration bounds how long an action may last.
const MaxDuration = 30 * 24 * time.Hour

// Action is one live suspension or shaping override.
type Action struct {
	ID       string    `json:"id"`
	Kind     Kind      `json:"kind"`
	Select   Selector  `json:"select"`
	Shape    *Override `json:"shape,omitempty"` // Kind Shape only
	Reason   string    `json:"reason"`
	Origin   Origin    `json:"origin"`
	Category string    `json:"category,omitempty"` // the classify category behind a policy action
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires"`
}

// Scope and Target are the action's selector in record form.
func (a *Action) Scope() string  { return a.Select.Scope() }
func (a *Action) Target() string { return a.Select.String() }

// same reports whether b asks for what a asks for (the same kind, selector
// and shape), whatever the times, reason and origin.
func (a *Action) same(b *Action) bool {
	if a.Kind != b.Kind || a.Select != b.Select {
		return false
	}
	if a.Shape == nil || b.Shape == nil {
		return a.Shape == b.Shape
	}
	return *a.Shape == *b.Shape
}

// Validate checks an action before it is added.
func (a *Action) Validate(now time.Time) error {
	var errs []error
	if a.Kind != Suspend && a.Kind != Shape {
		errs = append(errs, fmt.Errorf("kind %q is neither %q nor %q", a.Kind, Suspend, Shape))
	}
	if a.Origin != OriginPolicy && a.Origin != OriginAdmin {
		errs = append(errs, fmt.Errorf("origin %q is neither %q nor %q", a.Origin, OriginPolicy, OriginAdmin))
	}
	if a.Select.IsZero() {
		errs = append(errs, errors.New("the selector names nothing: give a tenant, campaign, domain, provider, site or source"))
	}
	if !a.Expires.After(now) {
		errs = append(errs, errors.New("the expiry is not in the future"))
	} else if a.Expires.Sub(now) > MaxDuration {
		errs = append(errs, fmt.Errorf("the action lasts longer than %v", MaxDuration))
	}
	if a.Reason == "" {
		errs = append(errs, errors.New("the reason is empty"))
	}
	errs = append(errs, a.validateShape())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("shaping: invalid action: %w", err)
	}
	return nil
}

func (a *Action) validateShape() error {
	switch {
	case a.Kind == Suspend && a.Shape != nil:
		return errors.New("a suspension takes no shape")
	case a.Kind != Shape:
		return nil
	case a.Shape == nil || a.Shape.IsZero():
		return errors.New("a shape action changes nothing: set at least one limit")
	}
	if err := a.Shape.Validate(); err != nil {
		return err
	}
	if !a.Select.PathLevel() && !a.Shape.RatesOnly() {
		return errors.New("an action on a tenant, campaign or domain can only set messages_per_second/minute/hour " +
			"(paths are shared between tenants: connection limits belong to a provider, site or source)")
	}
	return nil
}
