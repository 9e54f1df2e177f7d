package fleet

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/wasmta/wasmta/mta/policy"
)

var _ policy.Lifecycle = (*Policies)(nil)

// Remove retires tenant's own module across the fleet: the removal takes
// the next number, is applied here, then stored in Redis (empty bytes)
// and announced, and every other node retires the module under the same
// number. The removed version stays kept, so RollbackTo brings it back.
func (p *Policies) Remove(ctx context.Context, tenant string) (policy.ModuleVersion, error) {
	if !p.inForce(tenant) {
		return policy.ModuleVersion{}, fmt.Errorf("fleet: %w: tenant %q", policy.ErrNoModule, policy.TenantName(tenant))
	}
	n, err := p.f.rdb.HIncrBy(ctx, policyKey(tenant), "seq", 1).Result()
	if err != nil {
		return policy.ModuleVersion{}, p.unreachable(err)
	}
	v, err := p.local.RemoveAt(ctx, tenant, int(n))
	if err != nil {
		return v, err
	}
	if err := p.commit(ctx, tenant, n, nil); err != nil {
		return v, p.unreachable(fmt.Errorf("removal %d is in force here but not stored in the fleet: %w", n, err))
	}
	return v, nil
}

func (p *Policies) inForce(tenant string) bool {
	return slices.ContainsFunc(p.local.List(), func(i policy.ModuleInfo) bool { return i.Tenant == tenant })
}

// RollbackTo makes the fleet's kept version number of tenant current
// again, as a new number on every node.
func (p *Policies) RollbackTo(ctx context.Context, tenant string, number int) (policy.ModuleVersion, error) {
	wasm, err := p.f.rdb.HGet(ctx, policyKey(tenant), "m:"+strconv.Itoa(number)).Bytes()
	if err != nil && err != redis.Nil {
		return policy.ModuleVersion{}, p.unreachable(err)
	}
	if len(wasm) == 0 {
		return policy.ModuleVersion{}, fmt.Errorf("fleet: %w: tenant %q version %d (wasmta policy versions lists them)",
			policy.ErrNoVersion, policy.TenantName(tenant), number)
	}
	return p.install(ctx, tenant, wasm)
}

// Versions lists the versions of tenant the fleet keeps, newest first.
func (p *Policies) Versions(tenant string) ([]policy.KeptVersion, error) {
	ctx, cancel := context.WithTimeout(p.f.ctx, p.f.cfg.Timeout)
	defer cancel()
	h, err := p.f.rdb.HGetAll(ctx, policyKey(tenant)).Result()
	if err != nil {
		return nil, p.unreachable(err)
	}
	cur, _ := strconv.Atoi(h["cur"])
	var out []policy.KeptVersion
	for f, b := range h {
		n, err := strconv.Atoi(strings.TrimPrefix(f, "m:"))
		if !strings.HasPrefix(f, "m:") || err != nil {
			continue
		}
		k := policy.KeptVersion{Number: n, Size: len(b), Removed: b == "", Current: n == cur && b != ""}
		if b != "" {
			k.SHA256 = fmt.Sprintf("%x", sha256.Sum256([]byte(b)))
		}
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b policy.KeptVersion) int { return b.Number - a.Number })
	return out, nil
}
