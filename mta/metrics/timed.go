package metrics

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wasmta/wasmta/mta/policy"
)

// WrapRegistry returns a registry that hands out the policies of inner
// with every hook call timed into wasmta_policy_call_seconds, per tenant
// and hook. The built-in default policy (when inner has none) is not
// wrapped: its decisions are plain Go and cost nanoseconds.
func (m *Metrics) WrapRegistry(inner policy.Registry) policy.Registry {
	return &timedRegistry{inner: inner, m: m}
}

type timedRegistry struct {
	inner policy.Registry
	m     *Metrics
	cache sync.Map // wrapKey -> *timedPolicy
	size  int      // entries stored, under mu
	mu    sync.Mutex
	// last is the wrapper For returned last: the Guard asks for every
	// hook of every message, mostly for the same tenant and module, and
	// comparing the tenant and the version (the same string, so equal at
	// its pointer) costs less than the cache's hash of both.
	last atomic.Pointer[timedPolicy]
}

// wrapKey names a policy version as seen by a tenant (the global module
// gets one wrapper per tenant, so the tenant label is right).
type wrapKey struct{ tenant, version string }

// For implements policy.Registry.
func (t *timedRegistry) For(tenant string) policy.Policy {
	p := t.inner.For(tenant)
	if p == nil {
		return nil
	}
	ver := p.Version()
	if w := t.last.Load(); w != nil && w.version == ver && w.tenant == tenant {
		return w
	}
	k := wrapKey{tenant, ver}
	if w, ok := t.cache.Load(k); ok {
		t.last.Store(w.(*timedPolicy))
		return w.(*timedPolicy)
	}
	exported, known := p.(interface{ Hooks() []string })
	w := &timedPolicy{Policy: p, tenant: tenant, version: ver, listed: known}
	for i, h := range hooks {
		w.obs[i] = t.m.hookCalls.WithLabelValues(tenant, h)
		w.call[i] = !known || slices.Contains(exported.Hooks(), h)
	}
	t.mu.Lock()
	if t.size >= 10_000 { // versions come and go: forget them all now and then
		t.cache.Clear()
		t.size = 0
	}
	t.cache.Store(k, w)
	t.size++
	t.mu.Unlock()
	t.last.Store(w)
	return w
}

var hooks = [...]string{policy.HookMailFrom, policy.HookRcpt, policy.HookMessage, policy.HookRoute,
	policy.HookSelectPool, policy.HookShape, policy.HookClassify}

const (
	iMailFrom = iota
	iRcpt
	iMessage
	iRoute
	iSelectPool
	iShape
	iClassify
)

// timedPolicy times each hook of a policy; Version passes through, so the
// guard's caches see the same versions.
type timedPolicy struct {
	policy.Policy
	tenant  string // whose label obs carries
	version string // p.Version()
	obs     [len(hooks)]prometheus.Observer
	call    [len(hooks)]bool // the module exports the hook (false: never a call)
	listed  bool             // the module lists its hooks
}

// done observes a call. A module that lists its hooks (hostabi's does) is
// timed for those, whatever they answer ("no opinion" is a call too);
// for other policies ErrNotImplemented means no call was made.
func (w *timedPolicy) done(i int, t0 time.Time, err error) {
	if !w.call[i] || (!w.listed && errors.Is(err, policy.ErrNotImplemented)) {
		return
	}
	w.obs[i].Observe(time.Since(t0).Seconds())
}

func (w *timedPolicy) OnMailFrom(ctx context.Context, in *policy.MailFromInput) (policy.MailFromResult, error) {
	t0 := time.Now()
	r, err := w.Policy.OnMailFrom(ctx, in)
	w.done(iMailFrom, t0, err)
	return r, err
}

func (w *timedPolicy) OnRcpt(ctx context.Context, in *policy.RcptInput) (policy.RcptResult, error) {
	t0 := time.Now()
	r, err := w.Policy.OnRcpt(ctx, in)
	w.done(iRcpt, t0, err)
	return r, err
}

func (w *timedPolicy) OnMessage(ctx context.Context, in *policy.MessageInput) (policy.MessageResult, error) {
	t0 := time.Now()
	r, err := w.Policy.OnMessage(ctx, in)
	w.done(iMessage, t0, err)
	return r, err
}

func (w *timedPolicy) Route(ctx context.Context, in *policy.RouteInput) (policy.Route, error) {
	t0 := time.Now()
	r, err := w.Policy.Route(ctx, in)
	w.done(iRoute, t0, err)
	return r, err
}

func (w *timedPolicy) SelectPool(ctx context.Context, in *policy.PoolInput) (string, error) {
	t0 := time.Now()
	r, err := w.Policy.SelectPool(ctx, in)
	w.done(iSelectPool, t0, err)
	return r, err
}

func (w *timedPolicy) Shape(ctx context.Context, in *policy.ShapeInput) (policy.Shape, error) {
	t0 := time.Now()
	r, err := w.Policy.Shape(ctx, in)
	w.done(iShape, t0, err)
	return r, err
}

func (w *timedPolicy) Classify(ctx context.Context, in *policy.ClassifyInput) (policy.Classification, error) {
	t0 := time.Now()
	r, err := w.Policy.Classify(ctx, in)
	w.done(iClassify, t0, err)
	return r, err
}

// Declares passes on the module's answer (policy.Declarer), so that the
// Guard still skips preparing the inputs of a hook the module lacks (the
// reputation counts of on_message, computed for every message otherwise).
// A policy that does not say has every hook.
func (w *timedPolicy) Declares(hook string) bool {
	if d, ok := w.Policy.(policy.Declarer); ok {
		return d.Declares(hook)
	}
	return true
}
