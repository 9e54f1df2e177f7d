package hostabi

import "context"

// Install makes wasm tenant's version number, a number decided elsewhere
// (a fleet of nodes gives every node the same numbers, mta/fleet). A
// number not above the version in force is a no-op that returns the
// version in force: versions only move forward, so caches keyed by
// version never see a number twice. The module is validated as Push
// validates it; a refused one leaves the version in force.
func (r *Registry) Install(ctx context.Context, tenant string, number int, wasm []byte) (Version, error) {
	release, err := r.change(ctx)
	if err != nil {
		return Version{}, err
	}
	defer release()
	r.mu.Lock()
	s := r.slotFor(tenant)
	cur := s.cur.Load()
	r.mu.Unlock()
	if cur != nil && cur.number >= number {
		return cur.versionInfo(), nil
	}
	return r.install(ctx, tenant, s, number, wasm)
}
