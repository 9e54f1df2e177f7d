package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/webhook"
)

// reloader reads the configuration file again and puts it in force: on
// SIGHUP and on POST /v1/reload (wasmta reload).
type reloader struct {
	path  string // "" = the embedded defaults
	eng   *engine.Engine
	host  *hostabi.Host
	reg   *hostabi.Registry
	mods  nodeModules
	level *slog.LevelVar
	log   *slog.Logger
	hooks *webhook.Outbox // nil in tests that reload an engine alone
	mu    sync.Mutex
	// files are the policy files' SHA-256 as last read (at start, then
	// by each reload that went through), by tenant: only a file whose
	// bytes changed since is pushed, not one a pushed module overrides.
	files map[string][32]byte
}

// noteFiles records the bytes of the policy files cfg names, as read now.
func (rl *reloader) noteFiles(cfg *config.Config) {
	rl.files = map[string][32]byte{}
	for tenant, path := range policyFiles(cfg) {
		if wasm, err := os.ReadFile(path); err == nil {
			rl.files[tenant] = sha256.Sum256(wasm)
		}
	}
}

// reloadResult is what a reload answers (the admin API's JSON).
type reloadResult struct {
	engine.ReloadReport
	Policies []string `json:"policies"` // "TENANT: version" pushed from the file
}

// reload validates the whole file first (keys, files it names, policy
// modules that changed), then swaps; a refused file changes nothing.
func (rl *reloader) reload(ctx context.Context) (reloadResult, error) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	cfg, err := loadConfig(rl.path)
	if err != nil {
		return reloadResult{}, err
	}
	changed, sums, err := rl.changedPolicies(cfg)
	if err != nil {
		return reloadResult{}, err
	}
	if err := checkModules(ctx, cfg, changed); err != nil {
		return reloadResult{}, fmt.Errorf("config: %s: a policy module is refused:\n%w", rl.path, err)
	}
	rep, err := rl.eng.Reload(cfg)
	if err != nil {
		return reloadResult{}, err
	}
	rl.files = sums
	res := reloadResult{ReloadReport: rep, Policies: []string{}}
	if rl.hooks != nil {
		if err := rl.hooks.Reconfigure(cfg.Webhooks); err != nil {
			return res, fmt.Errorf("reload: %w", err)
		}
	}
	rl.host.SetConfigured(poolNames(cfg), tenantNames(cfg))
	rl.level.Set(cfg.LogLevel)
	for tenant, wasm := range changed {
		v, err := rl.mods.admin().Push(ctx, tenant, wasm)
		if err != nil { // validated above: only a store failure gets here
			return res, fmt.Errorf("reload: policy of tenant %q: %w", policy.TenantName(tenant), err)
		}
		res.Policies = append(res.Policies, v.String())
	}
	slices.Sort(res.Policies)
	return res, nil
}

// changedPolicies reads the policy files cfg names and returns those
// whose bytes changed since they were last read and differ from the
// module in force, by tenant ("" = global), and every file's SHA-256.
func (rl *reloader) changedPolicies(cfg *config.Config) (map[string][]byte, map[string][32]byte, error) {
	out, sums := map[string][]byte{}, map[string][32]byte{}
	for tenant, path := range policyFiles(cfg) {
		wasm, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, fmt.Errorf("config: %s: policy for tenant %q: %w", policyKey(tenant), policy.TenantName(tenant), err)
		}
		sum := sha256.Sum256(wasm)
		sums[tenant] = sum
		if was, ok := rl.files[tenant]; ok && was == sum {
			continue // unchanged: a module pushed over it stays in force
		}
		if m := rl.reg.Module(tenant); m != nil && m.SHA256() == sum {
			continue
		}
		out[tenant] = wasm
	}
	return out, sums, nil
}

// policyKey names the key that loads tenant's module.
func policyKey(tenant string) string {
	if tenant == "" {
		return "policy.global"
	}
	return fmt.Sprintf("tenant %s: policy", tenant)
}

// adminReload is the admin API's Reload: a refused file is a 422 naming
// the key; the running configuration stays.
func (rl *reloader) adminReload(ctx context.Context) (any, error) {
	res, err := rl.reload(ctx)
	if err != nil {
		rl.log.Error("reload refused; the running configuration stays", "err", err)
		return nil, &admin.Error{Status: http.StatusUnprocessableEntity, Message: err.Error()}
	}
	return res, nil
}

// onSignal reloads on SIGHUP and logs the outcome.
func (rl *reloader) onSignal() {
	res, err := rl.reload(context.Background())
	if err != nil {
		rl.log.Error("reload on SIGHUP refused; the running configuration stays", "err", err)
		return
	}
	for _, k := range res.NeedsRestart {
		rl.log.Warn("changed key needs a restart; the running value stays", "key", k)
	}
}

const reloadUsage = `usage: wasmta reload [--json]

Tells the running wasmta to read its configuration file again (as SIGHUP
does) and put it in force without a restart: routes, tenants, pools and
sources, shaping defaults, the SMTP listeners' limits and certificate, DKIM
keys, policy files. A key read only at start (a listen address, spool_dir...)
keeps its running value and is listed under "needs restart". A bad file is
refused (exit 1, naming the key) and the running configuration stays.

`

// reloadCommand runs `wasmta reload`.
func reloadCommand(args []string) error {
	fs := flag.NewFlagSet("reload", flag.ExitOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), reloadUsage); fs.PrintDefaults() }
	cf := addClientFlags(fs)
	if pos := parseArgs(fs, args); len(pos) > 0 {
		return fmt.Errorf("reload: unexpected %q", pos[0])
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var res reloadResult
	return c.call("POST", "/v1/reload", nil, &res, func() {
		fmt.Printf("reloaded; changed and in force: %s\n", listOrNone(res.Applied))
		if len(res.Policies) > 0 {
			fmt.Printf("policy modules pushed from their files: %s\n", strings.Join(res.Policies, ", "))
		}
		if len(res.NeedsRestart) > 0 {
			fmt.Printf("needs restart (the running value stays): %s\n", strings.Join(res.NeedsRestart, ", "))
		}
	})
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "nothing"
	}
	return strings.Join(s, ", ")
}
