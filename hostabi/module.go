package hostabi

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/wasmta/wasmta/mta/policy"
)

// Module is one loaded, validated version of a policy module. It
// implements policy.Policy; every method may be called concurrently, each
// call running on its own pooled instance.
type Module struct {
	host     *Host
	tenant   string
	number   int
	sum      [sha256.Size]byte
	size     int
	version  string
	loadedAt time.Time
	compiled wazero.CompiledModule
	start    *startFunc // the wasm start function, called by newInstance; nil if none
	has      [numHooks]bool
	log      *slog.Logger
	pool     *pool
	live     bool      // report faults (false during the load-time dry run)
	reg      *Registry // where calls go once this version is retired
	state    atomic.Int64
}

// state bits: the low bits count calls in flight.
const (
	retiredBit = int64(1) << 62
	closedBit  = int64(1) << 61
)

// errRetired says the module was replaced and drained before the call got
// in; the call goes to the current version instead.
var errRetired = errors.New("hostabi: module retired")

// FaultError is a hook call that produced no usable decision: the caller
// uses the default decision and records a PolicyFault.
type FaultError struct {
	Tenant  string // the module's tenant, "" for the global module
	Hook    string
	Version string
	Err     error
}

func (e *FaultError) Error() string {
	return fmt.Sprintf("hostabi: %s %s: %v", e.Version, e.Hook, e.Err)
}

func (e *FaultError) Unwrap() error { return e.Err }

// Version identifies the module: "tenant/vN/sha256:hex12" ("*" is the
// global tenant; the vN part is absent for a module loaded outside a
// Registry).
func (m *Module) Version() string { return m.version }

// Tenant is the tenant the module was loaded for ("" = global).
func (m *Module) Tenant() string { return m.tenant }

// SHA256 returns the hash of the module's bytes.
func (m *Module) SHA256() [sha256.Size]byte { return m.sum }

// Declares reports whether the module has hook (policy.Declarer): the
// engine skips preparing inputs for a hook that would answer
// ErrNotImplemented.
func (m *Module) Declares(hook string) bool {
	for h, name := range hookNames {
		if name == hook {
			return m.has[h]
		}
	}
	return false
}

// Hooks lists the hooks the module exports.
func (m *Module) Hooks() []string {
	var out []string
	for h := range numHooks {
		if m.has[h] {
			out = append(out, hookNames[h])
		}
	}
	return out
}

// Closed reports whether the module's instances and code were released.
func (m *Module) Closed() bool { return m.state.Load()&closedBit != 0 }

// Close retires the module: calls in flight finish, later calls fail, and
// the instances and compiled code are released once none is in flight.
func (m *Module) Close() {
	m.state.Or(retiredBit)
	m.closeIfDrained()
}

func (m *Module) acquire() bool {
	if m.state.Add(1)&closedBit != 0 {
		m.state.Add(-1)
		return false
	}
	return true
}

func (m *Module) release() {
	if m.state.Add(-1) == retiredBit {
		m.closeIfDrained()
	}
}

// closeIfDrained closes the pool once: the CAS only succeeds for a retired
// module with no call in flight, and acquire refuses a closed module.
func (m *Module) closeIfDrained() {
	if m.state.CompareAndSwap(retiredBit, retiredBit|closedBit) {
		m.pool.drain()
		_ = m.compiled.Close(context.Background())
	}
}

// run makes one call of hook h: checkout, call under the deadline, decode,
// checkin. Faults are reported and returned as *FaultError.
func (m *Module) run(ctx context.Context, h hookID, lookup lookupFunc, in any, decode func([]result) error) error {
	if !m.has[h] {
		return policy.ErrNotImplemented
	}
	if !m.acquire() {
		return errRetired
	}
	defer m.release()
	d := m.host.cfg.CallTimeout
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, time.Until(dl))
	}
	if err := ctx.Err(); err != nil || d <= 0 {
		return fmt.Errorf("hostabi: %s %s: not started: %w", m.version, h, context.DeadlineExceeded)
	}
	inst, err := m.pool.get(ctx, m)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("hostabi: %s %s: waiting for an instance: %w", m.version, h, ctx.Err())
		}
		return m.fault(h, err)
	}
	c := &inst.call
	c.tables = m.host.cfg.Tables
	c.begin(h, lookup, in)
	rc, err := inst.invoke(h, d)
	if len(c.reads) > 0 {
		if l := policy.ReadLogFrom(ctx); l != nil {
			l.Add(c.reads...)
		}
	}
	if err != nil {
		c.end()
		m.pool.discard(inst)
		return m.fault(h, err)
	}
	err = m.outcome(h, c, rc, decode)
	c.end()
	m.pool.put(inst)
	return err
}

// outcome applies the hook's return code and the call's host-call faults.
func (m *Module) outcome(h hookID, c *call, rc int32, decode func([]result) error) error {
	switch {
	case c.fault != nil:
		return m.fault(h, c.fault)
	case rc == 1:
		return policy.ErrNotImplemented
	case rc != 0:
		return m.fault(h, fmt.Errorf("hook returned %d", rc))
	}
	if err := decode(c.results); err != nil {
		return m.fault(h, err)
	}
	return nil
}

// fault wraps err and tells Config.Faults.
func (m *Module) fault(h hookID, err error) error {
	f := &FaultError{Tenant: m.tenant, Hook: h.String(), Version: m.version, Err: err}
	if m.live {
		m.log.Warn("policy fault", "hook", f.Hook, "err", err)
		if fn := m.host.cfg.Faults; fn != nil {
			fn(m.tenant, f.Hook, m.version, f)
		}
	}
	return f
}

// successor is the policy that serves calls that arrive after this version
// was retired: the tenant's current module, else the global one.
func (m *Module) successor() policy.Policy {
	if m.reg == nil {
		return nil
	}
	if p := m.reg.current(m.tenant); p != nil && p != m {
		return p
	}
	return nil
}
