package hostabi

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/wasmta/wasmta/hostabi/internal/guard"
	"github.com/wasmta/wasmta/mta/policy"
)

// ErrInvalidModule wraps every reason a module is refused at load; it
// matches policy.ErrInvalidModule too.
var ErrInvalidModule error = hostError{"hostabi: invalid module", policy.ErrInvalidModule}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidModule, fmt.Sprintf(format, args...))
}

// Load compiles and validates wasm for tenant ("" = global) and returns
// the live module, with one warm instance in its pool. A module that fails
// any check of ABI.md section 7 is refused with an error wrapping
// ErrInvalidModule that names the problem.
func (h *Host) Load(ctx context.Context, tenant string, wasm []byte) (*Module, error) {
	return h.load(ctx, tenant, 0, wasm)
}

func (h *Host) load(ctx context.Context, tenant string, number int, wasm []byte) (*Module, error) {
	if len(wasm) == 0 {
		return nil, invalid("empty module")
	}
	if len(wasm) > h.cfg.MaxModuleSize {
		return nil, invalid("%d bytes, more than the limit of %d (policy.max_module_size)", len(wasm), h.cfg.MaxModuleSize)
	}
	code, start, err := h.guarded(ctx, wasm)
	if err != nil {
		return nil, err
	}
	cm, err := h.compile(ctx, code)
	if err != nil {
		return nil, err
	}
	m := &Module{host: h, tenant: tenant, number: number, sum: sha256.Sum256(wasm),
		size: len(wasm), loadedAt: time.Now(), compiled: cm, start: start, pool: newPool(h.cfg.Instances)}
	m.version = versionString(tenant, number, m.sum)
	m.log = h.cfg.Logger.With("tenant", policy.TenantName(tenant), "policy", m.version)
	if err := h.checkModule(cm, &m.has); err != nil {
		_ = cm.Close(ctx)
		return nil, err
	}
	if err := m.applyDeclaredHooks(ctx); err != nil {
		m.Close()
		return nil, err
	}
	if err := m.dryRun(ctx); err != nil {
		m.Close()
		return nil, err
	}
	m.live = true
	return m, nil
}

// guarded returns the code to compile: wasm with the deadline guard
// compiled in (package internal/guard), or wasm itself under Config.UnsafeNoDeadline. A module the
// instrumentation cannot parse gets wazero's own error when wazero refuses
// it too, so that the reason named is the same as without the guard.
func (h *Host) guarded(ctx context.Context, wasm []byte) ([]byte, *startFunc, error) {
	if h.cfg.UnsafeNoDeadline {
		return wasm, nil, nil
	}
	ins, err := guard.Instrument(wasm, guard.Limits{MaxFunctionBlocks: h.cfg.MaxFunctionBlocks})
	if err == nil {
		var start *startFunc
		if ins.HasStart {
			start = &startFunc{index: ins.Start}
		}
		return ins.Wasm, start, nil
	}
	if errors.Is(err, guard.ErrTooComplex) {
		// Compiling it to name wazero's reason is what the limit prevents.
		return nil, nil, invalid("%v (limit: policy.max_function_blocks)", err)
	}
	cm, cerr := h.compile(ctx, wasm)
	if cerr != nil {
		return nil, nil, cerr
	}
	_ = cm.Close(ctx)
	return nil, nil, invalid("deadline guard: %v", err)
}

func versionString(tenant string, number int, sum [sha256.Size]byte) string {
	return Version{Tenant: tenant, Number: number, SHA256: sum}.String()
}

// checkModule applies the structural rules of ABI.md section 1 and
// records which hooks the module exports.
func (h *Host) checkModule(cm wazero.CompiledModule, has *[numHooks]bool) error {
	if err := h.checkImports(cm); err != nil {
		return err
	}
	if _, ok := cm.ExportedMemories()["memory"]; !ok {
		return invalid("no memory exported as \"memory\"")
	}
	exports := cm.ExportedFunctions()
	if err := checkMarker(exports); err != nil {
		return err
	}
	if d, ok := exports["_initialize"]; ok && (len(d.ParamTypes()) != 0 || len(d.ResultTypes()) != 0) {
		return invalid("_initialize must have type () -> ()")
	}
	n := 0
	for hk := range numHooks {
		d, ok := exports[hookNames[hk]]
		if !ok {
			continue
		}
		if len(d.ParamTypes()) != 0 || len(d.ResultTypes()) != 1 || d.ResultTypes()[0] != api.ValueTypeI32 {
			return invalid("hook %s must have type () -> i32", hookNames[hk])
		}
		has[hk] = true
		n++
	}
	if n == 0 {
		return invalid("no hook exported (want one of %s)", strings.Join(hookNames[:], ", "))
	}
	return nil
}

// checkMarker requires wasmta_abi_v1 and names another version when the
// module speaks one.
func checkMarker(exports map[string]api.FunctionDefinition) error {
	if d, ok := exports[abiMarker]; ok {
		if len(d.ParamTypes()) != 0 || len(d.ResultTypes()) != 0 {
			return invalid("%s must have type () -> ()", abiMarker)
		}
		return nil
	}
	for name := range exports {
		if v, ok := strings.CutPrefix(name, abiMarkerPrefix); ok {
			return invalid("module speaks ABI v%s; this host speaks v1", v)
		}
	}
	return invalid("no ABI marker: export a function %s of type () -> ()", abiMarker)
}

// checkImports allows only the functions of ABI.md section 2, with their
// exact types, and no imported memory.
func (h *Host) checkImports(cm wazero.CompiledModule) error {
	for _, d := range cm.ImportedFunctions() {
		mod, name, _ := d.Import()
		sig, ok := h.imports[importName{mod, name}]
		if !ok {
			return invalid("unknown import %s.%s", mod, name)
		}
		if !sig.equal(d) {
			return invalid("import %s.%s has type %s, want %s", mod, name,
				typeString(d.ParamTypes(), d.ResultTypes()), typeString(sig.params, sig.results))
		}
	}
	for _, d := range cm.ImportedMemories() {
		mod, name, _ := d.Import()
		return invalid("memory import %s.%s: a module must define its own memory", mod, name)
	}
	return nil
}

// typeString writes a function type in WAT-like notation: (i32 i32) -> (i32).
func typeString(params, results []api.ValueType) string {
	names := func(ts []api.ValueType) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = api.ValueTypeName(t)
		}
		return "(" + strings.Join(s, " ") + ")"
	}
	return names(params) + " -> " + names(results)
}
