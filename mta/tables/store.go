package tables

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"

	"github.com/wasmta/wasmta/mta/spool"
)

// Options configures a Store.
type Options struct {
	// MaxBytes refuses a push of more bytes (tables.max_bytes); 0 = 1 GiB.
	MaxBytes int64
	// CacheBytes bounds the lookup cache (tables.cache_size); 0 = 64 MiB.
	CacheBytes int64
	Logger     *slog.Logger
}

const (
	defaultMaxBytes   = 1 << 30
	defaultCacheBytes = 64 << 20
)

// scope names one table: its tenant ("" = global) and name.
type scope struct{ tenant, name string }

// state is the version of a table in force, as lookups see it. gen
// changes at every push, rollback and delete, and is never reused within
// a process: cached decisions compare it.
type state struct {
	name string
	cur  Version
	gen  uint64
}

// Store holds the tables. It is safe for concurrent use.
type Store struct {
	sp   *spool.Store
	opts Options
	log  *slog.Logger

	states   atomic.Pointer[map[scope]*state]
	builtins atomic.Pointer[map[string]*builtin]
	gen      atomic.Uint64
	cache    *cache

	referenced map[uint64]bool // data sets named by heads at Open

	mu       sync.Mutex // guards nextData, locks and publishing states
	nextData uint64
	locks    map[scope]*sync.Mutex // one change of a table at a time
}

// Open loads the tables kept in sp and deletes the data of loads a crash
// interrupted.
func Open(sp *spool.Store, opts Options) (*Store, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = defaultMaxBytes
	}
	if opts.CacheBytes <= 0 {
		opts.CacheBytes = defaultCacheBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Store{sp: sp, opts: opts, log: opts.Logger, cache: newCache(opts.CacheBytes), locks: map[scope]*sync.Mutex{}}
	s.states.Store(&map[scope]*state{})
	s.builtins.Store(&map[string]*builtin{})
	if err := s.load(); err != nil {
		return nil, err
	}
	if err := s.dropPending(); err != nil {
		return nil, err
	}
	return s, nil
}

// load reads every head and the data set counter.
func (s *Store) load() error {
	states := map[scope]*state{}
	s.referenced = map[uint64]bool{}
	err := s.sp.ScanAux(ns, []byte{prefixHead}, func(_, val []byte) error {
		h, err := decodeHead(val)
		if err != nil {
			return err
		}
		for _, v := range h.Versions {
			s.nextData = max(s.nextData, v.Data+1)
			s.referenced[v.Data] = true
		}
		if v, ok := h.current(); ok {
			states[scope{h.Tenant, h.Name}] = &state{name: h.Name, cur: v, gen: s.gen.Add(1)}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("tables: load: %w", err)
	}
	s.states.Store(&states)
	val, err := s.sp.GetAux(ns, keyNextData)
	switch {
	case err == nil && len(val) == 8:
		s.nextData = max(s.nextData, binary.BigEndian.Uint64(val))
	case err != nil && !errors.Is(err, spool.ErrNotFound):
		return fmt.Errorf("tables: load: %w", err)
	}
	s.nextData = max(s.nextData, 1)
	return nil
}

// dropPending deletes the rows of loads that never finished. A marker of
// a data set a head names is what remains of a push that crashed between
// writing its head and deleting its marker: only the marker goes.
func (s *Store) dropPending() error {
	var pending []uint64
	err := s.sp.ScanAux(ns, []byte{prefixPending}, func(key, _ []byte) error {
		if len(key) == 9 {
			pending = append(pending, binary.BigEndian.Uint64(key[1:]))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("tables: pending loads: %w", err)
	}
	for _, d := range pending {
		if s.referenced[d] {
			if err := s.sp.DeleteAux(ns, pendingKey(d), false); err != nil {
				return fmt.Errorf("tables: pending loads: %w", err)
			}
			continue
		}
		s.log.Warn("tables: dropping the rows of an interrupted push", "data", d)
		if err := s.dropData(d); err != nil {
			return err
		}
		s.nextData = max(s.nextData, d+1)
	}
	return nil
}

// dropData deletes a data set and its pending marker.
func (s *Store) dropData(d uint64) error {
	if err := s.sp.DeleteAuxPrefix(ns, dataPrefix(d)); err != nil {
		return fmt.Errorf("tables: drop data %d: %w", d, err)
	}
	if err := s.sp.DeleteAux(ns, pendingKey(d), false); err != nil {
		return fmt.Errorf("tables: drop data %d: %w", d, err)
	}
	return nil
}

// newData numbers a data set for a load and marks it pending, durably,
// so that a crash during the load cannot leave its rows behind.
func (s *Store) newData() (uint64, error) {
	s.mu.Lock()
	d := s.nextData
	s.nextData++
	s.mu.Unlock()
	next := binary.BigEndian.AppendUint64(nil, d+1)
	if err := s.sp.PutAux(ns, keyNextData, next, false); err != nil {
		return 0, fmt.Errorf("tables: new data set: %w", err)
	}
	if err := s.sp.PutAux(ns, pendingKey(d), nil, true); err != nil {
		return 0, fmt.Errorf("tables: new data set: %w", err)
	}
	return d, nil
}

// lock takes the change lock of one table.
func (s *Store) lock(sc scope) func() {
	s.mu.Lock()
	l := s.locks[sc]
	if l == nil {
		l = &sync.Mutex{}
		s.locks[sc] = l
	}
	s.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// lockHead takes the change lock of a table and reads its head; the
// caller calls unlock when done (not when err is set).
func (s *Store) lockHead(tenant, name string) (h *head, unlock func(), err error) {
	sc := scope{tenant, name}
	unlock = s.lock(sc)
	if h, err = s.readHead(sc); err != nil {
		unlock()
		return nil, nil, err
	}
	return h, unlock, nil
}

// readHead returns the stored head of a table, or an empty one.
func (s *Store) readHead(sc scope) (*head, error) {
	val, err := s.sp.GetAux(ns, headKey(sc.tenant, sc.name))
	if errors.Is(err, spool.ErrNotFound) {
		return &head{Tenant: sc.tenant, Name: sc.name}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tables: %w", err)
	}
	return decodeHead(val)
}

// publish writes h durably, makes its current version the one lookups
// read, and drops the data sets in drop. Callers hold the table's lock.
func (s *Store) publish(h *head, drop []uint64) error {
	val, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("tables: encode head: %w", err)
	}
	if err := s.sp.PutAux(ns, headKey(h.Tenant, h.Name), val, true); err != nil {
		return fmt.Errorf("tables: publish %s: %w", h.Name, err)
	}
	s.mu.Lock()
	next := maps.Clone(*s.states.Load())
	sc := scope{h.Tenant, h.Name}
	if v, ok := h.current(); ok {
		next[sc] = &state{name: h.Name, cur: v, gen: s.gen.Add(1)}
	} else {
		delete(next, sc)
	}
	s.states.Store(&next)
	s.mu.Unlock()
	for _, d := range drop {
		if err := s.dropData(d); err != nil {
			s.log.Error("tables: old version not collected", "table", h.Name, "data", d, "err", err)
		}
	}
	return nil
}
