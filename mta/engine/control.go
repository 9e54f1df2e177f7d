package engine

import (
	"fmt"
	"sync"
	"time"

	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

// thresholds counts classified responses per (target, category) so that a
// classify action with a threshold fires after N hits within its window.
type thresholds struct {
	mu   sync.Mutex
	hits map[string][]time.Time
}

func (t *thresholds) hit(key string, n int, window time.Duration, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hits == nil {
		t.hits = make(map[string][]time.Time)
	}
	h := t.hits[key]
	cut := 0
	for cut < len(h) && now.Sub(h[cut]) > window {
		cut++
	}
	h = append(h[cut:], now)
	if len(h) >= n {
		delete(t.hits, key)
		return true
	}
	t.hits[key] = h
	return false
}

// control applies the traffic-control part of a classification.
func (e *Engine) control(j *egress.Job, at attempt, c policy.Classification) {
	if c.Scope == policy.ScopeNone || c.Duration <= 0 || (!c.Suspend && c.RateFactor == 0 && c.MaxConns == 0) {
		return
	}
	target := e.controlTarget(j, at, c.Scope)
	if target == "" {
		return
	}
	if c.Threshold > 1 && !e.thresh.hit(target+"|"+c.Category, c.Threshold, c.Window, time.Now()) {
		return
	}
	until := time.Now().Add(c.Duration)
	paths := e.pathsIn(c.Scope, at, j)
	if c.Scope == policy.ScopeTenant && c.Suspend {
		e.sched.Pause(j.Queue, until)
		time.AfterFunc(c.Duration, func() { e.sched.Pause(j.Queue, time.Time{}) })
	}
	for _, p := range paths {
		if c.Suspend {
			e.suspendPath(p, until)
		} else {
			e.throttlePath(p, c, until)
		}
	}
	typ := events.ShapingChange
	if c.Suspend {
		typ = events.Suspension
	}
	e.record(&events.Record{Type: typ, Tenant: j.Msg.Tenant, Site: at.site, Source: at.source,
		Category: c.Category, Scope: scopeName(c.Scope), Target: target, Expires: &until,
		Reason: fmt.Sprintf("classify: %s", c.Category)})
}

func (e *Engine) controlTarget(j *egress.Job, at attempt, s policy.Scope) string {
	switch s {
	case policy.ScopePath:
		return at.source + "->" + at.site
	case policy.ScopeSite:
		return at.site
	case policy.ScopeSource:
		return at.source
	case policy.ScopeTenant:
		return j.Queue.String()
	}
	return ""
}

func scopeName(s policy.Scope) string {
	return [...]string{"none", "path", "site", "source", "tenant"}[s]
}

// pathsIn returns the paths a scope covers.
func (e *Engine) pathsIn(s policy.Scope, at attempt, j *egress.Job) []*egress.Path {
	var out []*egress.Path
	for _, p := range e.ready.Paths() {
		switch {
		case s == policy.ScopePath && p.Key.Source == at.source && p.Key.Site == at.site,
			s == policy.ScopeSite && p.Key.Site == at.site,
			s == policy.ScopeSource && p.Key.Source == at.source:
			out = append(out, p)
		}
	}
	return out
}

// suspendPath stops a path until the given time; its waiting jobs go back
// to the scheduled queues, due when the suspension ends.
func (e *Engine) suspendPath(p *egress.Path, until time.Time) {
	for _, j := range p.Suspend(until) {
		for _, it := range j.Items {
			it.SetDue(until)
			e.sched.Add(j.Queue.WithDomain(j.Msg.Recipients[it.Rcpts[0]].Domain()), it)
		}
	}
	time.AfterFunc(time.Until(until), func() {
		if !p.Suspended().After(time.Now()) {
			p.Suspend(time.Time{})
		}
	})
}

// throttlePath lowers a path's rate or connections until the given time,
// then puts back the shape it had.
func (e *Engine) throttlePath(p *egress.Path, c policy.Classification, until time.Time) {
	s, ver := p.Shape()
	orig := s
	if c.RateFactor > 0 && s.MessagesPerSecond > 0 {
		s.MessagesPerSecond *= c.RateFactor
	}
	if c.MaxConns > 0 && (s.MaxConnections == 0 || c.MaxConns < s.MaxConnections) {
		s.MaxConnections = c.MaxConns
	}
	p.SetShape(s, ver+"+throttle")
	time.AfterFunc(time.Until(until), func() { p.SetShape(orig, ver) })
}
