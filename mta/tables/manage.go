package tables

import (
	"fmt"
	"sort"
)

// Info describes a table: its version in force and the one a rollback
// returns to.
type Info struct {
	Tenant   string // "" = global
	Name     string
	Current  Version
	Previous *Version // nil: nothing to roll back to
}

func infoOf(h *head) (Info, bool) {
	cur, ok := h.current()
	if !ok {
		return Info{}, false
	}
	i := Info{Tenant: h.Tenant, Name: h.Name, Current: cur}
	if n := len(h.Versions); n >= 2 {
		p := h.Versions[n-2]
		i.Previous = &p
	}
	return i, true
}

// Get describes tenant's table name (no global fallback), or wraps
// ErrNoTable.
func (s *Store) Get(tenant, name string) (Info, error) {
	h, err := s.readHead(scope{tenant, name})
	if err != nil {
		return Info{}, err
	}
	i, ok := infoOf(h)
	if !ok {
		return Info{}, fmt.Errorf("%w: %q", ErrNoTable, name)
	}
	return i, nil
}

// List describes tenant's tables, by name.
func (s *Store) List(tenant string) ([]Info, error) {
	var out []Info
	prefix := headKey(tenant, "")
	err := s.sp.ScanAux(ns, prefix, func(_, val []byte) error {
		h, err := decodeHead(val)
		if err != nil {
			return err
		}
		if i, ok := infoOf(h); ok && h.Tenant == tenant {
			out = append(out, i)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tables: list: %w", err)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out, nil
}

// Row returns the value of key in tenant's table name, as its version in
// force holds it (no global fallback, no cache).
func (s *Store) Row(tenant, name, key string) ([]byte, bool, error) {
	i, err := s.Get(tenant, name)
	if err != nil {
		return nil, false, err
	}
	return s.readRow(i.Current.Data, key)
}

// Rows calls fn for the rows of tenant's table name in key order, from
// the first key >= from, until fn returns an error (returned, except
// errStop).
func (s *Store) Rows(tenant, name, from string, fn func(key string, val []byte) error) error {
	i, err := s.Get(tenant, name)
	if err != nil {
		return err
	}
	p := dataPrefix(i.Current.Data)
	err = s.sp.ScanAuxFrom(ns, p, dataKey(i.Current.Data, from), func(k, v []byte) error {
		return fn(string(k[len(p):]), v)
	})
	if err == ErrStop {
		return nil
	}
	return err
}

// ErrStop ends Rows early without an error.
var ErrStop = fmt.Errorf("tables: stop")

// Rollback makes the version before the current one current again, as a
// new version number (so nothing keyed by version sees a number twice). A
// second rollback returns to the version rolled back.
func (s *Store) Rollback(tenant, name string) (Version, error) {
	h, unlock, err := s.lockHead(tenant, name)
	if err != nil {
		return Version{}, err
	}
	defer unlock()
	if len(h.Versions) == 0 {
		return Version{}, fmt.Errorf("%w: %q", ErrNoTable, name)
	}
	if len(h.Versions) < 2 {
		return Version{}, fmt.Errorf("%w for table %q", ErrNoPrevious, name)
	}
	v := h.Versions[len(h.Versions)-2]
	v.RolledBackFrom, v.Number = v.Number, h.Last+1
	if err := s.publish(h, h.add(v)); err != nil {
		return Version{}, err
	}
	s.log.Info("table rolled back", "tenant", tenant, "table", name, "version", v.Number, "restores", v.RolledBackFrom)
	return v, nil
}

// Delete removes tenant's table name and its rows; lookups then see the
// global table of that name, if any.
func (s *Store) Delete(tenant, name string) error {
	h, unlock, err := s.lockHead(tenant, name)
	if err != nil {
		return err
	}
	defer unlock()
	if len(h.Versions) == 0 {
		return fmt.Errorf("%w: %q", ErrNoTable, name)
	}
	old := h.Versions
	h.Versions = nil
	if err := s.publish(h, h.unreferenced(old)); err != nil {
		return err
	}
	s.log.Info("table deleted", "tenant", tenant, "table", name)
	return nil
}

// Rows is the number of rows of the version in force.
func (i Info) Rows() int64 { return i.Current.Rows }
