package hostabi

import (
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/wasmta/wasmta/mta/policy"
)

// ModuleStore persists pushed modules so that they survive a restart. The
// spool implements it (spool.PolicyModules) with nothing but its method
// set: hostabi never imports the spool, nor the spool hostabi.
type ModuleStore interface {
	// SaveModule durably stores version of tenant's module ("" = global).
	SaveModule(tenant string, version int, wasm []byte) error
	// LoadModules calls each for the stored modules, at least the two
	// highest versions of each tenant, in any order; an error from each
	// ends the walk and is returned.
	LoadModules(each func(tenant string, version int, wasm []byte) error) error
}

// StoredModule is one module version kept by a ModuleStore.
type StoredModule struct {
	Tenant  string
	Version int
	Wasm    []byte
}

// Version names one pushed module version, Info the module in force for
// one tenant: the types of policy.Modules, which Registry implements.
type (
	Version = policy.ModuleVersion
	Info    = policy.ModuleInfo
)

// ErrNoPrevious is returned by Rollback when there is nothing to go back
// to; it matches policy.ErrNoPrevious too.
var ErrNoPrevious error = hostError{"hostabi: no previous version", policy.ErrNoPrevious}

// hostError is a sentinel of hostabi that is also the policy package's
// sentinel for the same condition, so that callers of policy.Modules
// need not know hostabi.
type hostError struct {
	text string
	also error
}

func (e hostError) Error() string        { return e.text }
func (e hostError) Is(target error) bool { return target == e.also }

// Registry holds the module in force per tenant plus a global one and
// swaps them atomically. It implements policy.Registry.
//
// A change (Push, Rollback, Restore) holds the change token for its whole
// length, compilation included, so changes happen one at a time; the
// mutex guarding the slots is held only to read or publish them, never
// while compiling, so For, Module and List answer during a long push.
type Registry struct {
	host     *Host
	store    ModuleStore   // nil keeps modules in memory only
	changing chan struct{} // the change token
	mu       sync.Mutex    // guards the slots' fields below cur
	slots    atomic.Pointer[map[string]*slot]
}

// slot is one tenant's module state.
type slot struct {
	cur      atomic.Pointer[Module]
	curWasm  []byte // the bytes of cur
	prev     []byte // the version before cur, for Rollback
	prevNum  int
	lastUsed int // highest version number given out
}

var (
	_ policy.Registry = (*Registry)(nil)
	_ policy.Modules  = (*Registry)(nil)
)

// NewRegistry returns an empty registry loading modules into h.
func NewRegistry(h *Host, store ModuleStore) *Registry {
	r := &Registry{host: h, store: store, changing: make(chan struct{}, 1)}
	r.slots.Store(&map[string]*slot{})
	return r
}

// For returns tenant's module, else the global one, else nil. It is two
// atomic loads and a map read.
func (r *Registry) For(tenant string) policy.Policy {
	if m := r.current(tenant); m != nil {
		return m
	}
	return nil
}

// current is For without the interface conversion of a nil *Module.
func (r *Registry) current(tenant string) *Module {
	slots := *r.slots.Load()
	if s := slots[tenant]; s != nil {
		if m := s.cur.Load(); m != nil {
			return m
		}
	}
	if s := slots[""]; s != nil {
		return s.cur.Load()
	}
	return nil
}

// Module returns tenant's own module (no global fallback), or nil.
func (r *Registry) Module(tenant string) *Module {
	if s := (*r.slots.Load())[tenant]; s != nil {
		return s.cur.Load()
	}
	return nil
}

// slotFor returns tenant's slot, adding it (copy on write) if needed.
// Callers hold r.mu.
func (r *Registry) slotFor(tenant string) *slot {
	old := *r.slots.Load()
	if s := old[tenant]; s != nil {
		return s
	}
	next := maps.Clone(old)
	s := &slot{}
	next[tenant] = s
	r.slots.Store(&next)
	return s
}

// change takes the change token, or gives up when ctx ends.
func (r *Registry) change(ctx context.Context) (release func(), err error) {
	select {
	case r.changing <- struct{}{}:
		return func() { <-r.changing }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("hostabi: waiting for another policy change: %w", ctx.Err())
	}
}

// Push validates wasm, stores it as tenant's next version and makes it
// current. Calls in flight finish on the old version, whose instances are
// closed once they are done. A refused module leaves the current one in
// force. Pushing the bytes already in force is a no-op.
func (r *Registry) Push(ctx context.Context, tenant string, wasm []byte) (Version, error) {
	release, err := r.change(ctx)
	if err != nil {
		return Version{}, err
	}
	defer release()
	r.mu.Lock()
	s := r.slotFor(tenant)
	cur, next := s.cur.Load(), s.lastUsed+1
	r.mu.Unlock()
	if cur != nil && cur.sum == sha256.Sum256(wasm) {
		return cur.versionInfo(), nil
	}
	return r.install(ctx, tenant, s, next, wasm)
}

// Rollback makes the version before the current one current again, as a
// new version number (so caches keyed by version never see a number
// twice). A second Rollback returns to the version that was rolled back.
func (r *Registry) Rollback(ctx context.Context, tenant string) (Version, error) {
	release, err := r.change(ctx)
	if err != nil {
		return Version{}, err
	}
	defer release()
	r.mu.Lock()
	s := (*r.slots.Load())[tenant]
	var prev []byte
	var next int
	if s != nil {
		prev, next = s.prev, s.lastUsed+1
	}
	r.mu.Unlock()
	if prev == nil {
		return Version{}, fmt.Errorf("%w for tenant %q", ErrNoPrevious, policy.TenantName(tenant))
	}
	return r.install(ctx, tenant, s, next, prev)
}

// install loads, persists and publishes version number of tenant.
// Callers hold the change token, not r.mu.
func (r *Registry) install(ctx context.Context, tenant string, s *slot, number int, wasm []byte) (Version, error) {
	m, err := r.host.load(ctx, tenant, number, wasm)
	if err != nil {
		return Version{}, err
	}
	if r.store != nil {
		if err := r.store.SaveModule(tenant, number, wasm); err != nil {
			m.Close()
			return Version{}, fmt.Errorf("hostabi: save %s: %w", m.version, err)
		}
	}
	r.mu.Lock()
	r.publish(s, m, wasm)
	r.mu.Unlock()
	r.host.cfg.Logger.Info("policy installed", "tenant", policy.TenantName(tenant), "policy", m.version)
	return m.versionInfo(), nil
}

// publish swaps m in and retires the module it replaces. Callers hold
// r.mu.
func (r *Registry) publish(s *slot, m *Module, wasm []byte) {
	m.reg = r
	old := s.cur.Swap(m)
	if old != nil {
		s.prev, s.prevNum = s.curWasm, old.number
		old.Close()
	}
	s.curWasm = wasm
	s.lastUsed = max(s.lastUsed, m.number)
}

func (m *Module) versionInfo() Version {
	return Version{Tenant: m.tenant, Number: m.number, SHA256: m.sum}
}

// List describes the module in force for every tenant, global first.
func (r *Registry) List() []Info {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Info
	for tenant, s := range *r.slots.Load() {
		m := s.cur.Load()
		if m == nil {
			continue
		}
		out = append(out, Info{Tenant: tenant, Version: m.number, SHA256: fmt.Sprintf("%x", m.sum),
			Size: m.size, LoadedAt: m.loadedAt, Hooks: m.Hooks(), Previous: s.prevNum})
	}
	slices.SortFunc(out, func(a, b Info) int {
		if a.Tenant < b.Tenant {
			return -1
		}
		if a.Tenant > b.Tenant {
			return 1
		}
		return 0
	})
	return out
}

// Close retires every module; calls in flight finish first.
func (r *Registry) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range *r.slots.Load() {
		if m := s.cur.Swap(nil); m != nil {
			m.Close()
		}
	}
}
