package hostabi

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"

	"github.com/wasmta/wasmta/mta/policy"
)

// ErrNoModule and ErrNoVersion match their policy counterparts.
var (
	ErrNoModule  error = hostError{"hostabi: no module of its own", policy.ErrNoModule}
	ErrNoVersion error = hostError{"hostabi: no such version kept", policy.ErrNoVersion}
)

var _ policy.Lifecycle = (*Registry)(nil)

// Remove retires tenant's own module. The removal is stored as a version
// with no bytes, so a restart does not bring the module back; the removed
// version stays the Rollback target.
func (r *Registry) Remove(ctx context.Context, tenant string) (Version, error) {
	release, err := r.change(ctx)
	if err != nil {
		return Version{}, err
	}
	defer release()
	r.mu.Lock()
	s := (*r.slots.Load())[tenant]
	var cur *Module
	var next int
	if s != nil {
		cur, next = s.cur.Load(), s.lastUsed+1
	}
	r.mu.Unlock()
	if cur == nil {
		return Version{}, fmt.Errorf("%w: tenant %q", ErrNoModule, policy.TenantName(tenant))
	}
	return r.retire(tenant, s, cur, next)
}

// RollbackTo makes kept version number of tenant current again, as a new
// version number.
func (r *Registry) RollbackTo(ctx context.Context, tenant string, number int) (Version, error) {
	release, err := r.change(ctx)
	if err != nil {
		return Version{}, err
	}
	defer release()
	r.mu.Lock()
	s := r.slotFor(tenant)
	wasm, next := s.prev, s.lastUsed+1
	if number != s.prevNum {
		wasm = nil
	}
	if m := s.cur.Load(); m != nil && m.number == number {
		wasm = s.curWasm
	}
	r.mu.Unlock()
	if wasm == nil {
		if wasm, err = r.stored(tenant, number); err != nil {
			return Version{}, err
		}
	}
	return r.install(ctx, tenant, s, next, wasm)
}

// stored returns the bytes of a kept version (none: ErrNoVersion).
func (r *Registry) stored(tenant string, number int) ([]byte, error) {
	var wasm []byte
	if r.store != nil {
		err := r.store.LoadModules(func(t string, v int, b []byte) error {
			if t == tenant && v == number {
				wasm = slices.Clone(b)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("hostabi: read kept versions: %w", err)
		}
	}
	if len(wasm) == 0 {
		return nil, fmt.Errorf("%w: tenant %q version %d (wasmta policy versions lists them)",
			ErrNoVersion, policy.TenantName(tenant), number)
	}
	return wasm, nil
}

// Versions lists tenant's kept versions, newest first; without a store
// only the version in force and the Rollback target are known.
func (r *Registry) Versions(tenant string) ([]policy.KeptVersion, error) {
	r.mu.Lock()
	var m *Module
	prev, prevNum := []byte(nil), 0
	if s := (*r.slots.Load())[tenant]; s != nil {
		m, prev, prevNum = s.cur.Load(), s.prev, s.prevNum
	}
	r.mu.Unlock()
	byNum := map[int][]byte{}
	if r.store != nil {
		err := r.store.LoadModules(func(t string, v int, b []byte) error {
			if t == tenant {
				byNum[v] = b
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("hostabi: read kept versions: %w", err)
		}
	} else if prev != nil {
		byNum[prevNum] = prev
	}
	if m != nil {
		byNum[m.number] = nil // described from the module itself below
	}
	out := make([]policy.KeptVersion, 0, len(byNum))
	for n, b := range byNum {
		k := policy.KeptVersion{Number: n, Size: len(b), Removed: len(b) == 0}
		switch {
		case m != nil && n == m.number:
			k = policy.KeptVersion{Number: n, SHA256: fmt.Sprintf("%x", m.sum), Size: m.size, Current: true}
		case len(b) > 0:
			k.SHA256 = fmt.Sprintf("%x", sha256.Sum256(b))
		}
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b policy.KeptVersion) int { return b.Number - a.Number })
	return out, nil
}
