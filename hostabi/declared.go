package hostabi

import (
	"context"

	"github.com/tetratelabs/wazero/api"
)

// declaredExport is the optional export by which a module says which of
// its exported hooks it really implements (ABI.md section 1.1). SDKs that
// export every hook and answer "no opinion" from those without a handler
// (the Go SDK must: Go cannot export conditionally) declare the set once
// here, and the host never calls the others. It saves a guarded call per
// hook per message for nothing.
const declaredExport = "wasmta_hooks"

// applyDeclaredHooks calls wasmta_hooks once on a fresh instance and
// drops from m.has the hooks it does not name. It runs at load, before
// the dry run and before any concurrent use of m.
func (m *Module) applyDeclaredHooks(ctx context.Context) error {
	d, ok := m.compiled.ExportedFunctions()[declaredExport]
	if !ok {
		return nil
	}
	if len(d.ParamTypes()) != 0 || len(d.ResultTypes()) != 1 || d.ResultTypes()[0] != api.ValueTypeI32 {
		return invalid("%s must have type () -> i32", declaredExport)
	}
	inst, err := m.pool.get(ctx, m)
	if err != nil {
		return invalid("first instance: %v", err)
	}
	res, err := inst.callExport(declaredExport, m.host.cfg.InitTimeout)
	if err != nil {
		m.pool.discard(inst)
		return invalid("%s: %v", declaredExport, err)
	}
	m.pool.put(inst)
	mask := api.DecodeI32(res[0])
	if mask < 0 || mask >= 1<<numHooks {
		return invalid("%s returned %d: not a set of ABI v1 hooks (bits 0-%d)", declaredExport, mask, numHooks-1)
	}
	for h := range numHooks {
		if mask&(1<<h) == 0 {
			m.has[h] = false
		} else if !m.has[h] {
			return invalid("%s declares %s, which the module does not export", declaredExport, h)
		}
	}
	if mask == 0 {
		return invalid("%s declares no hook", declaredExport)
	}
	return nil
}
