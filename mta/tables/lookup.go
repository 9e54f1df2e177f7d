package tables

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/spool"
)

var _ policy.Tables = (*Store)(nil)

// BuiltinFunc answers a lookup in a built-in table for tenant.
type BuiltinFunc func(tenant, key string) (val []byte, found bool, err error)

type builtin struct {
	fn       BuiltinFunc
	volatile bool
	gen      uint64
}

// SetBuiltin installs the read-only table name (it must start with '@').
// A volatile table's answers change without versions (a suppression
// list): a decision that read it is never cached. Call it before lookups
// start.
func (s *Store) SetBuiltin(name string, volatile bool, fn BuiltinFunc) {
	next := map[string]*builtin{}
	for k, v := range *s.builtins.Load() {
		next[k] = v
	}
	next[name] = &builtin{fn: fn, volatile: volatile, gen: s.gen.Add(1)}
	s.builtins.Store(&next)
}

// resolve returns the state that answers tenant's lookups in name: the
// tenant's own table, else the global one, else nil.
func (s *Store) resolve(tenant, name string) *state {
	states := *s.states.Load()
	if st := states[scope{tenant, name}]; st != nil {
		return st
	}
	if tenant != "" {
		return states[scope{"", name}]
	}
	return nil
}

// Lookup implements policy.Tables. name and key may alias memory the
// caller does not own: neither is kept.
func (s *Store) Lookup(tenant, name, key string) ([]byte, bool, policy.TableRead, error) {
	if strings.HasPrefix(name, "@") {
		return s.lookupBuiltin(tenant, name, key)
	}
	st := s.resolve(tenant, name)
	if st == nil {
		return nil, false, policy.TableRead{Tenant: tenant, Table: strings.Clone(name)}, nil
	}
	read := policy.TableRead{Tenant: tenant, Table: st.name, Version: st.gen}
	if val, found, ok := s.cache.get(st.cur.Data, key); ok {
		return val, found, read, nil
	}
	val, found, err := s.readRow(st.cur.Data, key)
	if err != nil {
		return nil, false, read, err
	}
	s.cache.put(st.cur.Data, key, val, found)
	return val, found, read, nil
}

// readRow is one Pebble read.
func (s *Store) readRow(data uint64, key string) ([]byte, bool, error) {
	var val []byte
	err := s.sp.GetAuxFunc(ns, dataKey(data, key), func(v []byte) error {
		val = append(make([]byte, 0, len(v)), v...)
		return nil
	})
	switch {
	case err == nil:
		return val, true, nil
	case errors.Is(err, spool.ErrNotFound):
		return nil, false, nil
	}
	return nil, false, fmt.Errorf("tables: lookup: %w", err)
}

func (s *Store) lookupBuiltin(tenant, name, key string) ([]byte, bool, policy.TableRead, error) {
	b := (*s.builtins.Load())[name]
	if b == nil {
		return nil, false, policy.TableRead{Tenant: tenant, Table: strings.Clone(name)}, nil
	}
	read := policy.TableRead{Tenant: tenant, Table: strings.Clone(name), Version: b.gen}
	if b.volatile {
		read.Version = policy.VolatileVersion
	}
	val, found, err := b.fn(tenant, key)
	return val, found, read, err
}

// Current implements policy.Tables.
func (s *Store) Current(reads []policy.TableRead) bool {
	for _, r := range reads {
		if r.Version == policy.VolatileVersion || s.generation(r.Tenant, r.Table) != r.Version {
			return false
		}
	}
	return true
}

func (s *Store) generation(tenant, name string) uint64 {
	if strings.HasPrefix(name, "@") {
		if b := (*s.builtins.Load())[name]; b != nil {
			return b.gen
		}
		return 0
	}
	if st := s.resolve(tenant, name); st != nil {
		return st.gen
	}
	return 0
}
