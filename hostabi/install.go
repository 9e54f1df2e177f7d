package hostabi

import (
	"context"
	"fmt"

	"github.com/wasmta/wasmta/mta/policy"
)

// Install makes wasm tenant's version number, a number decided elsewhere
// (a fleet of nodes gives every node the same numbers, mta/fleet). A
// number not above the version in force (or the removal in force) is a
// no-op that returns the version in force: versions only move forward, so
// caches keyed by version never see a number twice. The module is
// validated as Push validates it; a refused one leaves the version in
// force.
func (r *Registry) Install(ctx context.Context, tenant string, number int, wasm []byte) (Version, error) {
	release, err := r.change(ctx)
	if err != nil {
		return Version{}, err
	}
	defer release()
	r.mu.Lock()
	s := r.slotFor(tenant)
	cur, last := s.cur.Load(), s.lastUsed
	r.mu.Unlock()
	switch {
	case cur != nil && cur.number >= number:
		return cur.versionInfo(), nil
	case cur == nil && last >= number: // removed at last, a later number than this one
		return Version{Tenant: tenant, Number: last}, nil
	}
	return r.install(ctx, tenant, s, number, wasm)
}

// RemoveAt retires tenant's own module as version number, a number
// decided elsewhere (mta/fleet), as Remove does. A number not above the
// version in force, or a tenant with no module, changes nothing; the
// removal is stored either way so a restart does not bring back an older
// module. It returns the version it retired (Number 0: none).
func (r *Registry) RemoveAt(ctx context.Context, tenant string, number int) (Version, error) {
	release, err := r.change(ctx)
	if err != nil {
		return Version{}, err
	}
	defer release()
	r.mu.Lock()
	s := r.slotFor(tenant)
	cur, last := s.cur.Load(), s.lastUsed
	r.mu.Unlock()
	if last >= number {
		return Version{}, nil
	}
	return r.retire(tenant, s, cur, number)
}

// retire stores the removal of tenant's module as version number (a
// version with no bytes, so a restart does not bring the module back) and
// takes cur, the module in force (nil: none), out of service; the removed
// version stays the Rollback target. The caller holds r.change.
func (r *Registry) retire(tenant string, s *slot, cur *Module, number int) (Version, error) {
	if r.store != nil {
		if err := r.store.SaveModule(tenant, number, []byte{}); err != nil {
			return Version{}, fmt.Errorf("hostabi: save the removal of %s version %d: %w", policy.TenantName(tenant), number, err)
		}
	}
	r.mu.Lock()
	s.cur.Store(nil)
	if cur != nil {
		s.prev, s.prevNum = s.curWasm, cur.number
	}
	s.curWasm = nil
	s.lastUsed = number
	r.mu.Unlock()
	if cur == nil {
		return Version{}, nil
	}
	cur.Close()
	r.host.cfg.Logger.Info("policy removed", "tenant", policy.TenantName(tenant), "policy", cur.version, "removal", number)
	return cur.versionInfo(), nil
}
