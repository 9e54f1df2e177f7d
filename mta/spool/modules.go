package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// PolicyModules keeps pushed policy modules in the aux namespace "policy",
// keyed by tenant, a zero byte and the big-endian version, so that a
// prefix scan returns a tenant's versions in order. It is the module store
// of the policy registry (hostabi.ModuleStore, which it satisfies by its
// method set alone: the spool never imports the wasm host).
type PolicyModules struct {
	s    *Store
	keep int
}

const policyNS = "policy"

// PolicyModules returns the module store of s keeping the newest keep
// versions of each tenant (at least 2: the registry restores the current
// version and the one a rollback returns to).
func (s *Store) PolicyModules(keep int) *PolicyModules {
	return &PolicyModules{s: s, keep: max(keep, 2)}
}

func moduleKey(tenant string, version int) []byte {
	return binary.BigEndian.AppendUint32(append([]byte(tenant), 0), uint32(version))
}

// SaveModule stores a version synced, then prunes all but the newest keep
// of the tenant ("" = the global module).
func (m *PolicyModules) SaveModule(tenant string, version int, wasm []byte) error {
	if err := m.s.PutAux(policyNS, moduleKey(tenant, version), wasm, true); err != nil {
		return fmt.Errorf("spool: save policy module %q v%d: %w", tenant, version, err)
	}
	var old [][]byte
	prefix := append([]byte(tenant), 0)
	err := m.s.ScanAux(policyNS, prefix, func(k, _ []byte) error {
		if len(k) == len(prefix)+4 && int(binary.BigEndian.Uint32(k[len(prefix):])) <= version-m.keep {
			old = append(old, k)
		}
		return nil
	})
	for _, k := range old {
		err = errors.Join(err, m.s.DeleteAux(policyNS, k, false))
	}
	if err != nil {
		return fmt.Errorf("spool: prune policy modules of %q: %w", tenant, err)
	}
	return nil
}

// LoadModules calls each for every stored version, in key order.
func (m *PolicyModules) LoadModules(each func(tenant string, version int, wasm []byte) error) error {
	return m.s.ScanAux(policyNS, nil, func(k, v []byte) error {
		if len(k) < 5 || k[len(k)-5] != 0 {
			return fmt.Errorf("spool: policy module with a bad key %q", k)
		}
		return each(string(k[:len(k)-5]), int(binary.BigEndian.Uint32(k[len(k)-4:])), v)
	})
}
