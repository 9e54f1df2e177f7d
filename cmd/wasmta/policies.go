package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/spool"
)

// moduleStore keeps policy modules in the spool's "policy" namespace,
// keyed by tenant and big-endian version so that a prefix scan returns a
// tenant's versions in order.
type moduleStore struct {
	s    *spool.Store
	keep int // versions kept per tenant
}

const policyNS = "policy"

func moduleKey(tenant string, version int) []byte {
	k := append([]byte(tenant), 0)
	return binary.BigEndian.AppendUint32(k, uint32(version))
}

// SaveModule stores a version synced and prunes all but the newest keep.
func (m *moduleStore) SaveModule(tenant string, version int, wasm []byte) error {
	if err := m.s.PutAux(policyNS, moduleKey(tenant, version), wasm, true); err != nil {
		return fmt.Errorf("policy store: save %q v%d: %w", tenant, version, err)
	}
	var old [][]byte
	prefix := append([]byte(tenant), 0)
	err := m.s.ScanAux(policyNS, prefix, func(k, _ []byte) error {
		if len(k) == len(prefix)+4 && int(binary.BigEndian.Uint32(k[len(prefix):])) <= version-m.keep {
			old = append(old, append([]byte(nil), k...))
		}
		return nil
	})
	for _, k := range old {
		err = errors.Join(err, m.s.DeleteAux(policyNS, k, false))
	}
	return err
}

// LoadModules returns every stored version.
func (m *moduleStore) LoadModules() ([]hostabi.StoredModule, error) {
	var out []hostabi.StoredModule
	err := m.s.ScanAux(policyNS, nil, func(k, v []byte) error {
		if len(k) < 5 || k[len(k)-5] != 0 {
			return fmt.Errorf("policy store: bad key %q", k)
		}
		out = append(out, hostabi.StoredModule{
			Tenant:  string(k[:len(k)-5]),
			Version: int(binary.BigEndian.Uint32(k[len(k)-4:])),
			Wasm:    append([]byte(nil), v...),
		})
		return nil
	})
	return out, err
}

// newPolicies starts the wasm host, restores the modules stored in the
// spool and loads the modules named in the configuration (a no-op when the
// same bytes are already in force).
func newPolicies(ctx context.Context, cfg *config.Config, st *spool.Store, log *slog.Logger) (*hostabi.Host, *hostabi.Registry, error) {
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
	})
	if err != nil {
		return nil, nil, err
	}
	reg := hostabi.NewRegistry(host, &moduleStore{s: st, keep: 5})
	if err := reg.Restore(ctx); err != nil {
		log.Error("policy modules not restored", "err", err)
	}
	files := map[string]string{"": cfg.Policy.Global}
	for _, t := range cfg.Tenants {
		files[t.Name] = t.Policy
	}
	for tenant, path := range files {
		if path == "" {
			continue
		}
		wasm, err := os.ReadFile(path)
		if err != nil {
			return host, reg, fmt.Errorf("policy for tenant %q: %w", tenant, err)
		}
		v, err := reg.Push(ctx, tenant, wasm)
		if err != nil {
			return host, reg, fmt.Errorf("policy %s for tenant %q: %w", path, tenant, err)
		}
		log.Info("policy loaded", "tenant", tenant, "file", path, "version", v.String())
	}
	return host, reg, nil
}
