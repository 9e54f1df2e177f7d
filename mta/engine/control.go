package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/mx"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/shaping"
)

// control is the engine's side of traffic control: the registry of live
// actions (mta/shaping), the threshold counts of classify actions, the
// items held back by actions, and the memory watch of reception.
type control struct {
	reg     *shaping.Registry
	thresh  shaping.Threshold
	parked  parking
	heap    heapWatch
	learned learnedStore // the paths' learned limits across restarts (learned.go)
	lone    loneRefusals // per path, its last lone unexplained deferral (lone.go)

	provMu sync.Mutex
	prov   map[string]string // site -> provider
}

// initControl creates the registry; Start loads the stored actions.
func (e *Engine) initControl() {
	opts := shaping.Options{Store: e.spool, Records: e.rec, OnChange: e.actionChanged, Logger: e.log}
	if f := e.opts.Fleet; f != nil {
		opts.Share, opts.IDSuffix = f.ShareAction, f.IDSuffix()
	}
	e.ctl.reg = shaping.New(opts)
	e.ctl.prov = make(map[string]string)
	e.ctl.parked.init()
}

// Shaping returns the registry of live actions (the admin API lists,
// adds and cancels them there).
func (e *Engine) Shaping() *shaping.Registry { return e.ctl.reg }

// control turns the traffic-control part of a classification into an
// action, once its threshold is met.
func (e *Engine) control(j *egress.Job, at attempt, c policy.Classification, resp message.Response) {
	if !trafficControl(c) {
		return
	}
	sel, ok := selectorFor(c.Scope, j.Msg.Tenant, at)
	if !ok {
		return
	}
	now := time.Now()
	if c.Threshold > 1 && !e.ctl.thresh.Hit(thresholdKey(sel, c), c.Threshold, c.Window, now) {
		return
	}
	a := shaping.Action{Kind: shaping.Suspend, Select: sel, Origin: shaping.OriginPolicy, Category: c.Category,
		Created: now, Expires: now.Add(c.Duration), Reason: reasonOf(c, resp)}
	if !c.Suspend {
		a.Kind = shaping.Shape
		a.Shape = &shaping.Override{RateFactor: c.RateFactor, MaxConnections: c.MaxConns, Lower: true}
	}
	if _, _, err := e.ctl.reg.Add(a); err != nil {
		e.log.Warn("classify action refused", "target", sel.String(), "err", err)
	}
}

// thresholdKey names what a threshold counts: replies about one selector
// that asked for the same action. Replies of one category that ask for
// different actions are counted apart: four throttles that ask for a pause
// after 20 in a minute, and one random 451 that asks for a suspension
// after 5 in an hour, are not five replies of the latter.
func thresholdKey(sel shaping.Selector, c policy.Classification) string {
	return fmt.Sprintf("%s|%s|%t/%g/%d/%v/%d/%v", sel.String(), c.Category,
		c.Suspend, c.RateFactor, c.MaxConns, c.Duration, c.Threshold, c.Window)
}

// trafficControl reports whether a classification asks for an action.
func trafficControl(c policy.Classification) bool {
	return c.Scope != policy.ScopeNone && c.Duration > 0 && (c.Suspend || c.RateFactor != 0 || c.MaxConns != 0)
}

// selectorFor maps a classify scope onto what it covers. A tenant scope
// for mail without a tenant is dropped: an empty tenant in a selector
// would cover every tenant.
func selectorFor(s policy.Scope, tenant string, at attempt) (shaping.Selector, bool) {
	switch s {
	case policy.ScopePath:
		return shaping.Selector{Source: at.source, Site: at.site}, at.source != "" && at.site != ""
	case policy.ScopeSite:
		return shaping.Selector{Site: at.site}, at.site != ""
	case policy.ScopeSource:
		return shaping.Selector{Source: at.source}, at.source != ""
	case policy.ScopeTenant:
		return shaping.Selector{Tenant: tenant, Site: at.site}, tenant != "" && at.site != ""
	}
	return shaping.Selector{}, false
}

func reasonOf(c policy.Classification, r message.Response) string {
	text := strings.TrimSpace(r.Text)
	if len(text) > 120 {
		text = text[:120] + "..."
	}
	if r.Code == 0 {
		return fmt.Sprintf("classify %s: %s", c.Category, text)
	}
	return strings.TrimSpace(fmt.Sprintf("classify %s: %d %s %s", c.Category, r.Code, r.Enhanced, text))
}

// provider returns the provider of a site, from its MX host names.
func (c *control) provider(site string, hosts []mx.Host) string {
	c.provMu.Lock()
	defer c.provMu.Unlock()
	p, ok := c.prov[site]
	if !ok {
		names := make([]string, len(hosts))
		for i, h := range hosts {
			names[i] = h.Name
		}
		p = mx.Provider(names)
		c.prov[site] = p
	}
	return p
}

func pathSubject(p *egress.Path) shaping.Subject {
	return shaping.Subject{Provider: p.Provider, Site: p.Key.Site, Source: p.Key.Source}
}

// pathPart keeps the provider, site and source of a selector.
func pathPart(s shaping.Selector) shaping.Selector {
	return shaping.Selector{Provider: s.Provider, Site: s.Site, Source: s.Source}
}

// actionChanged applies a change of the registry at once: to the shape
// and suspension of the paths it covers, to the jobs waiting there, and
// to the items it held back.
func (e *Engine) actionChanged(c shaping.Change) {
	a := c.Action
	for _, p := range e.ready.Paths() {
		if !pathPart(a.Select).Matches(pathSubject(p)) {
			continue
		}
		switch {
		case a.Kind == shaping.Shape && a.Select.PathLevel():
			p.Reshape()
		case a.Kind == shaping.Suspend && a.Select.PathLevel():
			e.refreshSuspension(p)
		case a.Kind == shaping.Suspend && !c.Ended():
			e.parkJobs(a, p, p.TakeJobs(func(j *egress.Job) bool { return coversAny(a.Select, p, j) }))
		}
	}
	if c.Ended() {
		e.release(a.ID)
	}
}

// refreshSuspension makes a path's own suspension agree with the
// registry: suspended until the latest path-level suspension covering it
// ends, or not at all. Jobs it held go back to the scheduled queues.
func (e *Engine) refreshSuspension(p *egress.Path) {
	a, ok := e.ctl.reg.Suspended(pathSubject(p))
	if !ok {
		p.Suspend(time.Time{})
		return
	}
	e.parkJobs(a, p, p.Suspend(a.Expires))
}

// coversAny reports whether sel covers an item of j (its items may be of
// several recipient domains).
func coversAny(sel shaping.Selector, p *egress.Path, j *egress.Job) bool {
	sub := jobSubject(p, j)
	for _, it := range j.Items {
		sub.Domain = itemKey(j, it).Domain
		if sel.Matches(sub) {
			return true
		}
	}
	return false
}

func jobSubject(p *egress.Path, j *egress.Job) shaping.Subject {
	s := pathSubject(p)
	s.Tenant, s.Campaign, s.Domain = j.Msg.Tenant, j.Msg.Campaign, j.Queue.Domain
	return s
}

// adjustShape is the egress set's Adjust hook: the policy's shape of a
// path with the live overrides applied.
func (e *Engine) adjustShape(p *egress.Path, base policy.Shape) policy.Shape {
	return e.ctl.reg.Adjust(pathSubject(p), base)
}

// startControl restores the stored actions (a restart keeps them until
// they expire) and starts the memory watch.
func (e *Engine) startControl() error {
	n, err := e.ctl.reg.Load()
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	if n > 0 {
		e.log.Info("live actions restored", "actions", n)
	}
	e.startFleet()
	// Learned limits are a hint: a spool that cannot give them back
	// starts every path at its preset rather than keeping mail waiting.
	if err := e.loadLearned(); err != nil {
		e.log.Warn("learned limits not restored; paths start at their presets", "err", err)
	}
	e.wg.Go(e.runLearnedSaver)
	e.ctl.heap.limit = heapLimit(e.opts.MaxHeapBytes)
	e.wg.Go(func() { e.ctl.heap.run(e.ctx) })
	return nil
}

// askShape asks the global policy's shape hook for a path. The version
// returned (with the tables the hook read, see shapeStamp) is the one in force when asking (not the one that answered,
// which is the built-in policy after a fault), so that a faulting hook is
// asked again only when the policy changes.
func (e *Engine) askShape(ctx context.Context, spec egress.PathSpec, pool, domain string) (policy.Shape, string) {
	ver := e.guard.ShapeVersion()
	names := make([]string, len(spec.Hosts))
	for i, h := range spec.Hosts {
		names[i] = h.Name
	}
	log := &policy.ReadLog{}
	s, _ := e.guard.Shape(policy.WithReadLog(ctx, log), &policy.ShapeInput{Source: spec.Source.Name, Pool: pool,
		Site: spec.Site, Domain: domain, MXHosts: names, Provider: spec.Provider})
	return s, shapeStamp(ver, log.Reads())
}
