package hostabi

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/wasmta/wasmta/mta/policy"
)

// Restore loads the modules of the store: per tenant the highest version
// becomes current and the one below it the Rollback target. A stored
// version that no longer validates is skipped (logged) in favour of the
// next lower one, so a restart never leaves a tenant without the policy it
// can still run. The error joins what could not be restored.
func (r *Registry) Restore(ctx context.Context) error {
	if r.store == nil {
		return nil
	}
	byTenant := map[string][]StoredModule{}
	err := r.store.LoadModules(func(tenant string, version int, wasm []byte) error {
		byTenant[tenant] = append(byTenant[tenant], StoredModule{tenant, version, wasm})
		return nil
	})
	if err != nil {
		return fmt.Errorf("hostabi: load modules: %w", err)
	}
	release, err := r.change(ctx)
	if err != nil {
		return err
	}
	defer release()
	var errs []error
	for tenant, versions := range byTenant {
		slices.SortFunc(versions, func(a, b StoredModule) int { return b.Version - a.Version })
		if err := r.restoreTenant(ctx, tenant, versions); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// restoreTenant installs the newest loadable of versions (sorted newest
// first) without saving it again. A newest version with no bytes records
// a Remove: the tenant has no module, and the one before is the Rollback
// target.
func (r *Registry) restoreTenant(ctx context.Context, tenant string, versions []StoredModule) error {
	r.mu.Lock()
	s := r.slotFor(tenant)
	s.lastUsed = max(s.lastUsed, versions[0].Version)
	if len(versions[0].Wasm) == 0 {
		if len(versions) > 1 && len(versions[1].Wasm) > 0 {
			s.prev, s.prevNum = versions[1].Wasm, versions[1].Version
		}
		r.mu.Unlock()
		return nil
	}
	r.mu.Unlock()
	for i, sm := range versions {
		if len(sm.Wasm) == 0 {
			continue // an older removal
		}
		m, err := r.host.load(ctx, tenant, sm.Version, sm.Wasm)
		if err != nil {
			r.host.cfg.Logger.Warn("stored policy refused", "tenant", policy.TenantName(tenant), "version", sm.Version, "err", err)
			continue
		}
		r.mu.Lock()
		r.publish(s, m, sm.Wasm)
		for _, older := range versions[i+1:] {
			if len(older.Wasm) > 0 { // not a removal
				s.prev, s.prevNum = older.Wasm, older.Version
				break
			}
		}
		r.mu.Unlock()
		return nil
	}
	return fmt.Errorf("hostabi: tenant %q: no stored version loads", policy.TenantName(tenant))
}
