package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/policy"
)

const configUsage = `usage: wasmta config check FILE

Validates a configuration file as serve and reload would, without starting
anything: every key (a bad one is named), the files it names (TLS, DKIM keys),
and the policy modules it loads (compiled and checked like a push). Exits 0
with a one-line summary, or 1 with every problem.
`

// configCommand runs `wasmta config check FILE`.
func configCommand(args []string) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprint(os.Stderr, configUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("config check", flag.ExitOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), configUsage) }
	pos := parseArgs(fs, args[1:])
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	cfg, err := config.Load(pos[0])
	if err != nil {
		return err
	}
	if err := checkPolicyFiles(context.Background(), cfg); err != nil {
		return fmt.Errorf("config: %s is invalid:\n%w", pos[0], err)
	}
	fmt.Printf("%s: ok (%d tenants, %d routes, %d sources, %d pools, %d webhooks)\n", pos[0],
		len(cfg.Tenants), len(cfg.Routes), len(cfg.Sources), len(cfg.Pools), len(cfg.Webhooks))
	return nil
}

// policyFiles are the modules a configuration loads, by tenant ("" =
// policy.global).
func policyFiles(cfg *config.Config) map[string]string {
	files := map[string]string{}
	if cfg.Policy.Global != "" {
		files[""] = cfg.Policy.Global
	}
	for _, t := range cfg.Tenants {
		if t.Policy != "" {
			files[t.Name] = t.Policy
		}
	}
	return files
}

// checkPolicyFiles loads every module the configuration names into a
// throwaway host, as a push would: bad wasm, missing exports or a failing
// self-test are refused here rather than at start.
func checkPolicyFiles(ctx context.Context, cfg *config.Config) error {
	mods := map[string][]byte{}
	var errs []error
	for tenant, path := range policyFiles(cfg) {
		wasm, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("  %s = %q (tenant %s): %w", policyKey(tenant), path, policy.TenantName(tenant), err))
			continue
		}
		mods[tenant] = wasm
	}
	return errors.Join(append(errs, checkModules(ctx, cfg, mods))...)
}

// checkModules validates modules (by tenant, "" = global) of cfg's policy
// files in a throwaway host, each error naming the key and file.
func checkModules(ctx context.Context, cfg *config.Config, mods map[string][]byte) error {
	if len(mods) == 0 {
		return nil
	}
	host, err := hostabi.New(ctx, hostabi.Config{CallTimeout: cfg.Policy.CallTimeout,
		MemoryLimitPages: uint32(cfg.Policy.MemoryLimit / (64 << 10)), Instances: 1,
		MaxModuleSize: int(cfg.Policy.MaxModuleSize), CompileTimeout: cfg.Policy.CompileTimeout,
		MaxFunctionBlocks: cfg.Policy.MaxFunctionBlocks, Pools: poolNames(cfg), Tenants: tenantNames(cfg)})
	if err != nil {
		return err
	}
	defer host.Close(ctx)
	reg := hostabi.NewRegistry(host, nil)
	defer reg.Close()
	files := policyFiles(cfg)
	var errs []error
	for tenant, wasm := range mods {
		if _, err := reg.Push(ctx, tenant, wasm); err != nil {
			errs = append(errs, fmt.Errorf("  %s = %q (tenant %s): %w", policyKey(tenant), files[tenant], policy.TenantName(tenant), err))
		}
	}
	return errors.Join(errs...)
}
