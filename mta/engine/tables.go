package engine

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/tables"
)

// Built-in tables a policy looks up like its own (ABI v1.4): read-only,
// answered from the engine's state rather than from pushed rows.
const (
	TableSuppressed = "@suppressed" // the tenant's suppression list: address -> reason
	TablePools      = "@pools"      // configured pools: name -> {"sources": [...]}
	TableSources    = "@sources"    // configured sources: name -> {"address": ..., "ehlo": ...}
)

// Tables returns the policy data tables, or nil when the engine was given
// none.
func (e *Engine) Tables() *tables.Store { return e.opts.Tables }

// initTables lets the guard check cached decisions against the tables
// they read, and installs the built-in tables.
func (e *Engine) initTables() {
	st := e.opts.Tables
	if st == nil {
		return
	}
	e.guard.SetTables(st)
	// The suppression list changes with every report and has no versions:
	// a decision that read it is not cached.
	st.SetBuiltin(TableSuppressed, true, func(tenant, key string) ([]byte, bool, error) {
		en, ok, err := e.fb.suppress.Lookup(tenant, key, time.Now())
		if err != nil || !ok {
			return nil, false, err
		}
		return []byte(en.Reason), true, nil
	})
	e.setEgressTables()
}

// setEgressTables installs @pools and @sources from the configuration in
// force (again at a reload: their new generation drops the decisions that
// read them).
func (e *Engine) setEgressTables() {
	st := e.opts.Tables
	if st == nil {
		return
	}
	cfg := e.conf()
	pools := map[string][]byte{}
	for _, p := range cfg.Pools {
		names := make([]string, len(p.Sources))
		for i, s := range p.Sources {
			names[i] = s.Name
		}
		pools[p.Name] = mustJSON(map[string]any{"sources": names})
	}
	sources := map[string][]byte{}
	for _, s := range cfg.Sources {
		addr := ""
		if s.Address.IsValid() {
			addr = s.Address.String()
		}
		sources[s.Name] = mustJSON(map[string]any{"address": addr, "ehlo": s.EHLO})
	}
	st.SetBuiltin(TablePools, false, staticTable(pools))
	st.SetBuiltin(TableSources, false, staticTable(sources))
}

func staticTable(m map[string][]byte) tables.BuiltinFunc {
	return func(_, key string) ([]byte, bool, error) {
		v, ok := m[key]
		return v, ok, nil
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("engine: encode a built-in table row: %v", err))
	}
	return b
}

// shapeStamp is the version a path's shape is kept under: the policy
// version, and the tables the shape hook read with their versions, so
// that a new version of one of them re-asks the hook.
func shapeStamp(ver string, reads []policy.TableRead) string {
	if len(reads) == 0 {
		return ver
	}
	return ver + "|" + string(mustJSON(reads))
}

// shapeCurrent reports whether a shape stamped stamp is still the one the
// policy and its tables would give.
func (e *Engine) shapeCurrent(stamp string) bool {
	ver, reads, ok := strings.Cut(stamp, "|")
	if ver != e.guard.ShapeVersion() {
		return false
	}
	if !ok || e.opts.Tables == nil {
		return true
	}
	var rs []policy.TableRead
	if err := json.Unmarshal([]byte(reads), &rs); err != nil {
		return false
	}
	return e.opts.Tables.Current(rs)
}
