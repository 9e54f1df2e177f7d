package fleet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wasmta/wasmta/mta/policy"
)

// Installer is the node's policy registry as the fleet needs it
// (hostabi.Registry implements it): the modules in force, and installing a
// version whose number the fleet decided.
type Installer interface {
	policy.Modules
	// Install makes wasm tenant's version number; a number not above the
	// version in force changes nothing.
	Install(ctx context.Context, tenant string, number int, wasm []byte) (policy.ModuleVersion, error)
	// RemoveAt retires tenant's own module as version number; a number
	// not above the version in force changes nothing. It returns the
	// version retired (Number 0: none).
	RemoveAt(ctx context.Context, tenant string, number int) (policy.ModuleVersion, error)
}

// Policies is the fleet's policy.Modules: a push or rollback on any node
// takes its version number from Redis, is validated and installed here,
// then stored in Redis and announced, and every other node installs the
// same bytes under the same number within a second. The hash
// {wasmta}:policy:TENANT ("*" for the global module) holds seq (the
// counter of numbers given out), cur and prev (the numbers in force and
// before it) and m:N and sha:N (the bytes of the newest keptVersions
// versions; empty bytes record a removal); the set {wasmta}:policies
// names the tenants that have one.
type Policies struct {
	f     *Fleet
	local Installer
	wake  chan struct{}
}

var _ policy.Modules = (*Policies)(nil)

const keyPolicies = "{wasmta}:policies"

// SharePolicies shares local's modules through the fleet and returns the
// policy.Modules the admin API serves. Call it before Start.
func (f *Fleet) SharePolicies(local Installer) *Policies {
	p := &Policies{f: f, local: local, wake: make(chan struct{}, 1)}
	f.on("policy", func(string, json.RawMessage) { p.poke() })
	f.addSyncer(syncer{name: "policies", pull: p.Pull})
	f.wg.Go(p.run)
	return p
}

func (p *Policies) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// run installs what other nodes pushed; compiling a module may take a
// second, so it never runs in the subscriber's goroutine.
func (p *Policies) run() {
	for {
		select {
		case <-p.f.ctx.Done():
			return
		case <-p.wake:
		}
		ctx, cancel := context.WithTimeout(p.f.ctx, p.f.cfg.Timeout+compileWait)
		p.f.result("policies pull", p.Pull(ctx))
		cancel()
	}
}

// compileWait is what a pull allows for compiling modules, besides the
// Redis timeout.
const compileWait = 2 * time.Minute

func policyKey(tenant string) string { return keyPolicyPfx + policy.TenantName(tenant) }

// List describes the modules in force on this node.
func (p *Policies) List() []policy.ModuleInfo { return p.local.List() }

// Push makes wasm tenant's next version across the fleet. Pushing the
// bytes in force is a no-op. It needs Redis: without it the push is
// refused (wrapping ErrUnreachable) so that numbers never diverge.
func (p *Policies) Push(ctx context.Context, tenant string, wasm []byte) (policy.ModuleVersion, error) {
	sum := sha256.Sum256(wasm)
	for _, i := range p.local.List() {
		if i.Tenant == tenant && i.SHA256 == hex.EncodeToString(sum[:]) {
			return policy.ModuleVersion{Tenant: tenant, Number: i.Version, SHA256: sum}, nil
		}
	}
	return p.install(ctx, tenant, wasm)
}

// Rollback makes the fleet's previous version of tenant current again,
// as a new number.
func (p *Policies) Rollback(ctx context.Context, tenant string) (policy.ModuleVersion, error) {
	k := policyKey(tenant)
	prev, err := p.f.rdb.HGet(ctx, k, "prev").Int()
	if err != nil && err != redis.Nil {
		return policy.ModuleVersion{}, p.unreachable(err)
	}
	if prev == 0 {
		return policy.ModuleVersion{}, fmt.Errorf("fleet: %w for tenant %q", policy.ErrNoPrevious, tenant)
	}
	wasm, err := p.f.rdb.HGet(ctx, k, "m:"+strconv.Itoa(prev)).Bytes()
	if err != nil && err != redis.Nil {
		return policy.ModuleVersion{}, p.unreachable(err)
	}
	if len(wasm) == 0 { // the version before is a removal, or no longer kept
		return policy.ModuleVersion{}, fmt.Errorf("fleet: %w for tenant %q", policy.ErrNoPrevious, tenant)
	}
	return p.install(ctx, tenant, wasm)
}

// install takes a number, validates and installs the module here, then
// commits it to Redis and announces it.
func (p *Policies) install(ctx context.Context, tenant string, wasm []byte) (policy.ModuleVersion, error) {
	k := policyKey(tenant)
	n, err := p.f.rdb.HIncrBy(ctx, k, "seq", 1).Result()
	if err != nil {
		return policy.ModuleVersion{}, p.unreachable(err)
	}
	v, err := p.local.Install(ctx, tenant, int(n), wasm)
	if err != nil {
		return v, err
	}
	if err := p.commit(ctx, tenant, n, wasm); err != nil {
		return v, p.unreachable(fmt.Errorf("version %d is in force here but not stored in the fleet: %w", n, err))
	}
	return v, nil
}

// commit stores version n of tenant (empty wasm: a removal) in Redis and
// announces it.
func (p *Policies) commit(ctx context.Context, tenant string, n int64, wasm []byte) error {
	sum := ""
	if len(wasm) > 0 {
		s := sha256.Sum256(wasm)
		sum = hex.EncodeToString(s[:])
	}
	pipe := p.f.rdb.Pipeline()
	commitScript.Eval(ctx, pipe, []string{policyKey(tenant), keyPolicies}, n, wasm, sum, policy.TenantName(tenant), keptVersions)
	p.f.announce(ctx, pipe, "policy", map[string]string{"tenant": policy.TenantName(tenant)})
	_, err := pipe.Exec(ctx)
	return err
}

// keptVersions is how many versions per tenant the fleet keeps the bytes
// of, as each node's spool does (cmd/wasmta).
const keptVersions = 5

// commitScript makes version ARGV[1] current unless a higher one already
// is, keeps its bytes (ARGV[2], empty for a removal) and forgets those of
// all but the newest ARGV[5] versions.
var commitScript = redis.NewScript(`
local cur = tonumber(redis.call('HGET', KEYS[1], 'cur') or '0')
local n = tonumber(ARGV[1])
if n <= cur then return cur end
redis.call('HSET', KEYS[1], 'cur', n, 'prev', cur, 'm:' .. n, ARGV[2], 'sha:' .. n, ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
local kept = {}
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  local v = string.match(f, '^m:(%d+)$')
  if v then table.insert(kept, tonumber(v)) end
end
table.sort(kept, function(a, b) return a > b end)
for i = tonumber(ARGV[5]) + 1, #kept do
  redis.call('HDEL', KEYS[1], 'm:' .. kept[i], 'sha:' .. kept[i])
end
return n
`)

func (p *Policies) unreachable(err error) error {
	p.f.result("policy change", err)
	return fmt.Errorf("%w: %v", ErrUnreachable, err)
}

// Pull installs, for every tenant with a module in the fleet, the
// fleet's version when it is newer than the one in force here.
func (p *Policies) Pull(ctx context.Context) error {
	tenants, err := p.f.rdb.SMembers(ctx, keyPolicies).Result()
	if err != nil {
		return err
	}
	have := map[string]int{}
	for _, i := range p.local.List() {
		have[policy.TenantName(i.Tenant)] = i.Version
	}
	for _, name := range tenants {
		cur, err := p.f.rdb.HGet(ctx, keyPolicyPfx+name, "cur").Int()
		if err != nil || cur <= have[name] {
			continue
		}
		wasm, err := p.f.rdb.HGet(ctx, keyPolicyPfx+name, "m:"+strconv.Itoa(cur)).Bytes()
		if err != nil {
			continue
		}
		if len(wasm) == 0 { // the fleet removed the module
			if _, err := p.local.RemoveAt(ctx, policy.TenantOf(name), cur); err != nil {
				p.f.log.Error("fleet: the fleet's policy removal does not apply here", "tenant", name, "version", cur, "err", err)
			}
			continue
		}
		if _, err := p.local.Install(ctx, policy.TenantOf(name), cur, wasm); err != nil {
			p.f.log.Error("fleet: the fleet's policy version does not install here", "tenant", name, "version", cur, "err", err)
		}
	}
	return nil
}

// Has reports whether the fleet holds a module for tenant (false when
// Redis cannot be reached).
func (p *Policies) Has(ctx context.Context, tenant string) bool {
	n, err := p.f.rdb.HExists(ctx, policyKey(tenant), "cur").Result()
	return err == nil && n
}

// Reachable reports whether Redis answers a PING now.
func (p *Policies) Reachable(ctx context.Context) bool {
	err := p.f.rdb.Ping(ctx).Err()
	p.f.result("ping", err)
	return err == nil
}
