package policy

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
)

// FaultFunc is told about every failed hook call, after the fallback
// decision was made. It must not block.
type FaultFunc func(tenant, hook, version string, err error)

// Guard is what the engine calls for every decision. It picks the policy in
// force for the tenant, falls back to Default for a missing hook or a fault,
// and caches decisions that depend only on their key (route, classify) per
// policy version, so a hot swap takes effect at the next decision and the
// per-message cost of a wasm policy stays small.
type Guard struct {
	registry Registry
	def      atomic.Pointer[Default] // swapped by SetDefault (a configuration reload)
	gen      atomic.Uint64           // SetDefault's count, in the cache keys
	onFault  FaultFunc

	routes    boundedCache[routeKey, cached[Route]]
	classFree boundedCache[classifyKey, cached[Classification]]
	tables    Tables // nil: no policy reads tables

	rcptGate   func(ctx context.Context, in *RcptInput) *Reply
	reputation func(tenant, campaign string) *Reputation
	// poolReputation gives select_pool its counts (with the pools').
	poolReputation func(tenant, campaign string) *Reputation
}

// SetTables tells the guard where policies read their tables, so that a
// cached decision that read a table is dropped once that table has a new
// version. Call it before the guard is in use.
func (g *Guard) SetTables(t Tables) { g.tables = t }

// cached is a cached decision and the tables it read; serial (routes
// only) tells a decision from the one it replaced (RouteChanged).
type cached[V any] struct {
	v      V
	reads  []TableRead
	serial uint64
}

// routeSerial numbers cached route decisions.
var routeSerial atomic.Uint64

// fresh reports whether a cached decision may be used: every table it
// read still has the version it read.
func (g *Guard) fresh(reads []TableRead) bool {
	return len(reads) == 0 || g.tables == nil || g.tables.Current(reads)
}

// recording returns ctx with a fresh read log for one policy call.
func recording(ctx context.Context) (context.Context, *ReadLog) {
	l := &ReadLog{}
	return WithReadLog(ctx, l), l
}

// SetRcptGate installs a check that runs before on_rcpt at every door
// (SMTP and HTTP): a non-nil reply refuses the recipient and the policy is
// not called. The engine's suppression lists use it. Call it before the
// guard is in use.
func (g *Guard) SetRcptGate(f func(ctx context.Context, in *RcptInput) *Reply) { g.rcptGate = f }

type routeKey struct {
	gen                               uint64
	version, tenant, campaign, domain string
}

type classifyKey struct {
	gen                                 uint64
	version                             string
	tenant, site, domain, source, stage string
	code                                int
	enhanced, text                      string
}

// NewGuard returns a Guard over reg (which may be nil: built-in only).
func NewGuard(reg Registry, def *Default, onFault FaultFunc) *Guard {
	if def == nil {
		def = &Default{}
	}
	if onFault == nil {
		onFault = func(string, string, string, error) {}
	}
	g := &Guard{registry: reg, onFault: onFault}
	g.def.Store(def)
	g.routes.max = 100_000
	g.classFree.max = 20_000
	return g
}

// Default returns the built-in policy the guard falls back to.
func (g *Guard) Default() *Default { return g.def.Load() }

// ShapeVersion is the version a path's shape is kept under: the global
// policy's, and after a reload the count of SetDefault (the built-in
// shape fills what a module's leaves unset).
func (g *Guard) ShapeVersion() string {
	v := g.Version("")
	if n := g.gen.Load(); n > 0 {
		v += "#" + strconv.FormatUint(n, 10)
	}
	return v
}

// SetDefault replaces the built-in policy (a configuration reload) and
// forgets the cached decisions: a module that lacks a hook decided with
// the old one under its own version.
func (g *Guard) SetDefault(def *Default) {
	g.def.Store(def)
	g.gen.Add(1) // a decision made with the old one is cached under the old count
	g.routes.reset()
	g.classFree.reset()
}

func (g *Guard) policyFor(tenant string) Policy {
	if g.registry != nil {
		if p := g.registry.For(tenant); p != nil {
			return p
		}
	}
	return g.Default()
}

// fallback reports err (unless it only says the hook is missing) and tells
// the caller to use the default decision.
func (g *Guard) fallback(tenant, hook string, p Policy, err error) bool {
	if err == nil {
		return false
	}
	if !errors.Is(err, ErrNotImplemented) {
		g.onFault(tenant, hook, p.Version(), err)
	}
	return true
}

// MailFrom runs on_mail_from.
func (g *Guard) MailFrom(ctx context.Context, in *MailFromInput) MailFromResult {
	p := g.policyFor(in.Tenant)
	r, err := p.OnMailFrom(ctx, in)
	if g.fallback(in.Tenant, HookMailFrom, p, err) {
		r, _ = g.Default().OnMailFrom(ctx, in)
	}
	return r
}

// Rcpt runs on_rcpt.
func (g *Guard) Rcpt(ctx context.Context, in *RcptInput) RcptResult {
	if g.rcptGate != nil {
		if r := g.rcptGate(ctx, in); r != nil {
			return RcptResult{Reject: r}
		}
	}
	p := g.policyFor(in.Tenant)
	r, err := p.OnRcpt(ctx, in)
	if g.fallback(in.Tenant, HookRcpt, p, err) {
		r, _ = g.Default().OnRcpt(ctx, in)
	}
	return r
}

// SetReputation makes Message give on_message the tenant's recent counts
// (MessageInput.Reputation) from f, and SelectPool give select_pool the
// counts from pool (PoolInput.Reputation, with the pools' counts); set
// them before the Guard is used.
func (g *Guard) SetReputation(f, pool func(tenant, campaign string) *Reputation) {
	g.reputation, g.poolReputation = f, pool
}

// Declarer is a policy that knows which hooks it has (a wasm module
// exports them): the Guard does not prepare inputs for a hook the policy
// lacks.
type Declarer interface {
	Declares(hook string) bool
}

// reputationFor returns the counts p is given for hook: rep when the
// caller has them, nil for the built-in policy, which never reads them,
// and for a module without the hook (computing them was 2–3 % of the
// relay's CPU per message), else f's.
func reputationFor(p Policy, hook string, rep *Reputation, f func(tenant, campaign string) *Reputation, tenant, campaign string) *Reputation {
	if _, builtin := p.(*Default); rep != nil || builtin || f == nil {
		return rep
	}
	if d, ok := p.(Declarer); ok && !d.Declares(hook) {
		return nil
	}
	return f(tenant, campaign)
}

// Message runs on_message.
func (g *Guard) Message(ctx context.Context, in *MessageInput) MessageResult {
	p := g.policyFor(in.Tenant)
	in.Reputation = reputationFor(p, HookMessage, in.Reputation, g.reputation, in.Tenant, in.Campaign)
	r, err := p.OnMessage(ctx, in)
	if g.fallback(in.Tenant, HookMessage, p, err) {
		r, _ = g.Default().OnMessage(ctx, in)
	}
	return r
}

// Route returns the next hop of a domain, cached per policy version, and
// the version that decided.
func (g *Guard) Route(ctx context.Context, in *RouteInput) (Route, string) {
	p := g.policyFor(in.Tenant)
	ver := p.Version()
	k := routeKey{g.gen.Load(), ver, in.Tenant, in.Campaign, in.Domain}
	if c, ok := g.routes.get(k); ok && g.fresh(c.reads) {
		return c.v, ver
	}
	ctx, log := recording(ctx)
	r, err := p.Route(ctx, in)
	if g.fallback(in.Tenant, HookRoute, p, err) {
		r, _ = g.Default().Route(ctx, in)
		if !errors.Is(err, ErrNotImplemented) {
			return r, g.Default().Version() // a fault is not cached: the next message asks again
		}
	}
	if !log.Volatile() {
		g.routes.put(k, cached[Route]{v: r, reads: log.Reads(), serial: routeSerial.Add(1)})
	}
	return r, ver
}

// SelectPool returns the egress pool for a message.
func (g *Guard) SelectPool(ctx context.Context, in *PoolInput) string {
	p := g.policyFor(in.Tenant)
	in.Reputation = reputationFor(p, HookSelectPool, in.Reputation, g.poolReputation, in.Tenant, in.Campaign)
	r, err := p.SelectPool(ctx, in)
	if g.fallback(in.Tenant, HookSelectPool, p, err) || r == "" {
		r, _ = g.Default().SelectPool(ctx, in)
	}
	return r
}

// Shape returns the limits of a path from the global policy, with unset
// fields taken from the default shape, and the version that decided.
func (g *Guard) Shape(ctx context.Context, in *ShapeInput) (Shape, string) {
	p := g.policyFor("")
	s, err := p.Shape(ctx, in)
	if g.fallback("", HookShape, p, err) {
		return g.Default().Shape0(), g.Default().Version()
	}
	return fillShape(s, g.Default().Shape0()), p.Version()
}

// Version returns the version of the policy in force for tenant.
func (g *Guard) Version(tenant string) string { return g.policyFor(tenant).Version() }

func fillShape(s, d Shape) Shape {
	if s.MaxConnections == 0 {
		s.MaxConnections = d.MaxConnections
	}
	if s.RetryInitial == 0 {
		s.RetryInitial = d.RetryInitial
	}
	if s.RetryMax == 0 {
		s.RetryMax = d.RetryMax
	}
	if s.MaxAge == 0 {
		s.MaxAge = d.MaxAge
	}
	if s.IdleTimeout == 0 {
		s.IdleTimeout = d.IdleTimeout
	}
	if s.ConnectTimeout == 0 {
		s.ConnectTimeout = d.ConnectTimeout
	}
	if s.CommandTimeout == 0 {
		s.CommandTimeout = d.CommandTimeout
	}
	if s.DataTimeout == 0 {
		s.DataTimeout = d.DataTimeout
	}
	return s
}

// Classify classifies a response for the tenant's policy, cached per
// policy version and exact response.
func (g *Guard) Classify(ctx context.Context, in *ClassifyInput) (Classification, string) {
	p := g.policyFor(in.Tenant)
	k := classifyKey{g.gen.Load(), p.Version(), in.Tenant, in.Site, in.Domain, in.Source, in.Stage, in.Code, in.Enhanced, in.Text}
	if c, ok := g.classFree.get(k); ok && g.fresh(c.reads) {
		return c.v, p.Version()
	}
	ctx, log := recording(ctx)
	c, err := p.Classify(ctx, in)
	if g.fallback(in.Tenant, HookClassify, p, err) {
		c, _ = g.Default().Classify(ctx, in)
		if !errors.Is(err, ErrNotImplemented) {
			return c, g.Default().Version()
		}
	}
	if !ValidCategory(c.Category) {
		c.Category = ClassifyResponse(in)
	}
	if !log.Volatile() {
		g.classFree.put(k, cached[Classification]{v: c, reads: log.Reads()})
	}
	return c, p.Version()
}

// boundedCache is a map that forgets everything when it grows past max: the
// keys it holds are cheap to recompute, and a full reset is simpler and
// cheaper per hit than LRU bookkeeping.
type boundedCache[K comparable, V any] struct {
	mu  sync.RWMutex
	m   map[K]V
	max int
}

func (c *boundedCache[K, V]) get(k K) (V, bool) {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	return v, ok
}

func (c *boundedCache[K, V]) put(k K, v V) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[K]V)
	}
	c.m[k] = v
	c.mu.Unlock()
}

func (c *boundedCache[K, V]) reset() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

// RouteStamp is what a route decision for one queue was made under: the
// reload count, the version of the tenant's policy in force and the
// cached decision (its serial; 0: none cached).
type RouteStamp struct {
	gen     uint64
	version string
	serial  uint64
}

// RouteStampFor returns the stamp of the route in force now for the queue
// (tenant, campaign, domain).
func (g *Guard) RouteStampFor(tenant, campaign, domain string) RouteStamp {
	st, _ := g.routeNow(tenant, campaign, domain)
	return st
}

// routeNow returns the stamp of the route in force now for the queue and
// its cached decision, if any.
func (g *Guard) routeNow(tenant, campaign, domain string) (RouteStamp, cached[Route]) {
	st := RouteStamp{gen: g.gen.Load(), version: g.Version(tenant)}
	c, ok := g.routes.get(routeKey{st.gen, st.version, tenant, campaign, domain})
	if ok {
		st.serial = c.serial
	}
	return st, c
}

// RouteChanged reports whether the route of the queue (tenant, campaign,
// domain) may differ from the one decided under since: a reload or a
// policy push, rollback or removal for the tenant (or the global policy it
// falls back to), or a new version of a table the decision read (the
// cached decision is stale, or was made again). It costs a few atomic
// loads and a map read and never asks the policy, so that mail waiting
// behind a full path can be checked every second. A decision made again
// with the same answer (the cache was full and forgot it) reads as a
// change: the caller only routes its mail once more.
func (g *Guard) RouteChanged(since RouteStamp, tenant, campaign, domain string) bool {
	now, c := g.routeNow(tenant, campaign, domain)
	switch {
	case now.gen != since.gen || now.version != since.version:
		return true
	case now.serial == 0:
		return false // nothing cached to compare: the fallback due time decides
	case now.serial != since.serial:
		return true
	}
	return !g.fresh(c.reads)
}
