package hostabi

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Host is one wazero runtime with the ABI v1 host modules, its compilation
// cache and its limits. Modules loaded into one Host share them. A Host is
// safe for concurrent use.
type Host struct {
	cfg       Config
	rt        wazero.Runtime
	cache     wazero.CompilationCache
	modConfig wazero.ModuleConfig
	watch     *watchdog                // stops overdue calls; nil under UnsafeNoDeadline
	imports   map[importName]signature // every function a guest may import
	compiling chan struct{}            // the one compile slot (compile.go)
	closed    atomic.Bool
	names     atomic.Pointer[configured] // Config.Pools and Tenants, replaced by SetConfigured
}

// configured are the pool and tenant names a push is checked against.
type configured struct{ pools, tenants []string }

// SetConfigured replaces the configured pool and tenant names (a
// configuration reload): later pushes are checked against them.
func (h *Host) SetConfigured(pools, tenants []string) {
	h.names.Store(&configured{pools: pools, tenants: tenants})
}

func (h *Host) configured() *configured { return h.names.Load() }

type importName struct{ module, name string }

type signature struct{ params, results []api.ValueType }

func (s signature) equal(d api.FunctionDefinition) bool {
	return slices.Equal(s.params, d.ParamTypes()) && slices.Equal(s.results, d.ResultTypes())
}

// New starts a Host. Close it to release the runtime and the cache.
func New(ctx context.Context, cfg Config) (*Host, error) {
	cfg = cfg.withDefaults()
	h := &Host{cfg: cfg, imports: make(map[importName]signature), compiling: make(chan struct{}, 1)}
	h.SetConfigured(cfg.Pools, cfg.Tenants)
	var err error
	if cfg.CacheDir != "" {
		if h.cache, err = wazero.NewCompilationCacheWithDir(cfg.CacheDir); err != nil {
			return nil, fmt.Errorf("hostabi: compilation cache %s: %w", cfg.CacheDir, err)
		}
	} else {
		h.cache = wazero.NewCompilationCache()
	}
	rc := wazero.NewRuntimeConfig().
		WithCompilationCache(h.cache).
		WithMemoryLimitPages(cfg.MemoryLimitPages).
		// The deadline is enforced by the check guard.Instrument compiles into
		// every loop (internal/guard), not by wazero's.
		WithCloseOnContextDone(false)
	h.rt = wazero.NewRuntimeWithConfig(ctx, rc)
	if !cfg.UnsafeNoDeadline {
		h.watch = newWatchdog(cfg.CallTimeout)
	}
	if err := h.instantiateHostModules(ctx); err != nil {
		_ = h.Close(ctx)
		return nil, err
	}
	// No start function: _initialize is called by hand under its own
	// deadline, and _start (a WASI command's main) never runs.
	h.modConfig = wazero.NewModuleConfig().WithName("").WithStartFunctions().
		WithSysWalltime().WithSysNanotime().WithRandSource(crand.Reader)
	return h, nil
}

// instantiateHostModules registers "wasmta", "env" and a WASI with no
// files, arguments or environment, and records what a guest may import.
func (h *Host) instantiateHostModules(ctx context.Context) error {
	for _, m := range []struct {
		name  string
		funcs []hostFunc
	}{{"wasmta", wasmtaFuncs}, {"env", envFuncs}} {
		if err := instantiateHostModule(ctx, h.rt, m.name, m.funcs); err != nil {
			return err
		}
		for _, f := range m.funcs {
			h.imports[importName{m.name, f.name}] = signature{f.params, f.results}
		}
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, h.rt); err != nil {
		return fmt.Errorf("hostabi: wasi: %w", err)
	}
	wasi := h.rt.Module(wasi_snapshot_preview1.ModuleName)
	for name, d := range wasi.ExportedFunctionDefinitions() {
		h.imports[importName{wasi_snapshot_preview1.ModuleName, name}] = signature{d.ParamTypes(), d.ResultTypes()}
	}
	return nil
}

// Close closes the runtime (and with it every module and instance) and the
// compilation cache.
func (h *Host) Close(ctx context.Context) error {
	if !h.closed.CompareAndSwap(false, true) {
		return nil
	}
	// An abandoned compilation still runs on the runtime: wait for it.
	h.compiling <- struct{}{}
	var errs []error
	if h.watch != nil {
		h.watch.close()
		h.watch = nil
	}
	if h.rt != nil {
		errs = append(errs, h.rt.Close(ctx))
	}
	if h.cache != nil {
		errs = append(errs, h.cache.Close(ctx))
	}
	return errors.Join(errs...)
}

// Config returns the configuration in force, defaults applied.
func (h *Host) Config() Config { return h.cfg }
