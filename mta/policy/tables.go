package policy

import (
	"context"
	"math"
	"sync"
)

// Tables are the key -> value tables a policy reads at run time (ABI
// v1.4's lookup). mta/tables implements it; hostabi calls Lookup for a
// guest; Guard calls Current to know whether a cached decision is still
// good.
type Tables interface {
	// Lookup finds key in the table name as tenant sees it: tenant's own
	// table, else the global one. A missing table or key is found=false
	// with a nil error. The value is read-only and may be kept. read
	// names what the answer depended on, for Current.
	Lookup(tenant, name, key string) (val []byte, found bool, read TableRead, err error)
	// Current reports whether every read would resolve to the same table
	// version now.
	Current(reads []TableRead) bool
}

// TableRead is one table a decision looked in: the name as asked, the
// tenant it was asked for, and the version that answered (0: no such
// table; VolatileVersion: a table whose answers change without a version,
// such as the suppression list, so the decision is never cached).
type TableRead struct {
	Tenant  string
	Table   string
	Version uint64
}

// VolatileVersion marks a read of a table that has no versions.
const VolatileVersion = math.MaxUint64

// ReadLog collects the table reads of the policy calls made with a
// context carrying it (WithReadLog). Safe for concurrent use.
type ReadLog struct {
	mu    sync.Mutex
	reads []TableRead
}

// Add records reads, once each.
func (l *ReadLog) Add(reads ...TableRead) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range reads {
		dup := false
		for _, have := range l.reads {
			dup = dup || have == r
		}
		if !dup {
			l.reads = append(l.reads, r)
		}
	}
}

// Reads returns what was recorded.
func (l *ReadLog) Reads() []TableRead {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]TableRead(nil), l.reads...)
}

// Volatile reports whether a read was of a table without versions.
func (l *ReadLog) Volatile() bool {
	for _, r := range l.Reads() {
		if r.Version == VolatileVersion {
			return true
		}
	}
	return false
}

type readLogKey struct{}

// WithReadLog returns ctx carrying l: a Policy records there the tables
// its hooks read.
func WithReadLog(ctx context.Context, l *ReadLog) context.Context {
	return context.WithValue(ctx, readLogKey{}, l)
}

// ReadLogFrom returns the log ctx carries, or nil.
func ReadLogFrom(ctx context.Context) *ReadLog {
	l, _ := ctx.Value(readLogKey{}).(*ReadLog)
	return l
}

// MemTables is a Tables held in memory: what `wasmta policy test` gives a
// policy from its case file, and what tests use. The zero value is empty.
type MemTables struct {
	mu     sync.RWMutex
	tables map[[2]string]*memTable
	gen    uint64
}

type memTable struct {
	rows map[string][]byte
	gen  uint64
}

// Put makes rows tenant's table name ("" = global), as a new version;
// nil rows delete it.
func (m *MemTables) Put(tenant, name string, rows map[string][]byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tables == nil {
		m.tables = map[[2]string]*memTable{}
	}
	if rows == nil {
		delete(m.tables, [2]string{tenant, name})
		return
	}
	m.gen++
	m.tables[[2]string{tenant, name}] = &memTable{rows: rows, gen: m.gen}
}

func (m *MemTables) resolve(tenant, name string) *memTable {
	if t := m.tables[[2]string{tenant, name}]; t != nil {
		return t
	}
	return m.tables[[2]string{"", name}]
}

// Lookup implements Tables.
func (m *MemTables) Lookup(tenant, name, key string) ([]byte, bool, TableRead, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	read := TableRead{Tenant: tenant, Table: string([]byte(name))}
	t := m.resolve(tenant, name)
	if t == nil {
		return nil, false, read, nil
	}
	read.Version = t.gen
	v, ok := t.rows[key]
	return v, ok, read, nil
}

// Current implements Tables.
func (m *MemTables) Current(reads []TableRead) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, r := range reads {
		var gen uint64
		if t := m.resolve(r.Tenant, r.Table); t != nil {
			gen = t.gen
		}
		if gen != r.Version || r.Version == VolatileVersion {
			return false
		}
	}
	return true
}
