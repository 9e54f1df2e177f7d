package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/fleet"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/spool"
	"github.com/wasmta/wasmta/mta/tables"
)

// newPolicies starts the wasm host, restores the modules stored in the
// spool and loads the modules named in the configuration (a no-op when the
// same bytes are already in force).
func newPolicies(ctx context.Context, cfg *config.Config, st *spool.Store, tabs *tables.Store, log *slog.Logger) (*hostabi.Host, *hostabi.Registry, error) {
	host, err := hostabi.New(ctx, hostabi.Config{
		CallTimeout:       cfg.Policy.CallTimeout,
		MemoryLimitPages:  uint32(cfg.Policy.MemoryLimit / (64 << 10)),
		Instances:         cfg.Policy.Instances,
		MaxModuleSize:     int(cfg.Policy.MaxModuleSize),
		CompileTimeout:    cfg.Policy.CompileTimeout,
		MaxFunctionBlocks: cfg.Policy.MaxFunctionBlocks,
		// Compiled code survives restarts: a Go module compiles in about a
		// second, and a restart should not pay it per tenant.
		CacheDir: filepath.Join(cfg.SpoolDir, "wasm-cache"),
		Logger:   log,
		Tables:   tabs,
		// A module naming a pool that is not configured is refused at push.
		Pools:   poolNames(cfg),
		Tenants: tenantNames(cfg),
	})
	if err != nil {
		return nil, nil, err
	}
	reg := hostabi.NewRegistry(host, st.PolicyModules(5))
	if err := reg.Restore(ctx); err != nil {
		log.Error("policy modules not restored", "err", err)
	}
	return host, reg, nil
}

// loadPolicyFiles loads the modules named in the configuration (a no-op
// when the same bytes are already in force). In a fleet (pol set) a file
// seeds the fleet only: a tenant whose module the fleet already holds
// keeps the fleet's version, so that nodes started with different files
// do not push over each other; when Redis cannot be reached, a tenant
// with no module here at all gets the file locally.
func loadPolicyFiles(ctx context.Context, cfg *config.Config, reg *hostabi.Registry, pol *fleet.Policies, log *slog.Logger) error {
	for tenant, path := range policyFiles(cfg) {
		wasm, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("policy for tenant %q: %w", policy.TenantName(tenant), err)
		}
		var mods policy.Modules = reg
		if pol != nil {
			if pol.Has(ctx, tenant) {
				log.Info("policy file not pushed: the fleet's version is in force", "tenant", tenant, "file", path)
				continue
			}
			if pol.Reachable(ctx) || reg.Module(tenant) != nil {
				mods = pol
			}
		}
		v, err := mods.Push(ctx, tenant, wasm)
		if errors.Is(err, fleet.ErrUnreachable) {
			log.Warn("policy file not pushed to the fleet: Redis unreachable", "tenant", tenant, "err", err)
			continue
		}
		if err != nil {
			return fmt.Errorf("policy %s for tenant %q: %w", path, policy.TenantName(tenant), err)
		}
		log.Info("policy loaded", "tenant", policy.TenantName(tenant), "file", path, "version", v.String())
	}
	return nil
}

func poolNames(cfg *config.Config) []string {
	out := make([]string, len(cfg.Pools))
	for i, p := range cfg.Pools {
		out[i] = p.Name
	}
	return out
}

func tenantNames(cfg *config.Config) []string {
	out := make([]string, len(cfg.Tenants))
	for i, t := range cfg.Tenants {
		out[i] = t.Name
	}
	return out
}
