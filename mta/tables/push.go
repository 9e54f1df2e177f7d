package tables

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/wasmta/wasmta/internal/bloom"
	"github.com/wasmta/wasmta/mta/spool"
	"github.com/wasmta/wasmta/mta/tables/tablefile"
)

// The formats and the spec of a push, and the size error (see package
// tablefile).
type Spec = tablefile.Spec

const (
	FormatCSV   = tablefile.FormatCSV
	FormatJSONL = tablefile.FormatJSONL
)

// ErrTooLarge is wrapped by the error of a push past tables.max_bytes.
var ErrTooLarge = tablefile.ErrTooLarge

// ErrInvalid is wrapped by the error of a push refused for its content
// (a malformed row, a duplicate key, more than tables.max_bytes); the
// version in force stays.
var ErrInvalid = errors.New("invalid table")

// ErrNoTable and ErrNoPrevious are wrapped by operations on a table that
// does not exist, and by a rollback with nothing to go back to.
var (
	ErrNoTable    = errors.New("no such table")
	ErrNoPrevious = errors.New("no previous version")
)

// Push reads a table from r, row by row, and makes it the next version of
// tenant's table name ("" = global). Lookups read the version in force
// until the new one is complete and synced. A refused table (its error
// wraps ErrInvalid and, for a bad row, is a *RowError naming the line)
// leaves the version in force.
func (s *Store) Push(ctx context.Context, tenant, name string, spec Spec, r io.Reader) (Version, error) {
	if err := CheckName(name); err != nil {
		return Version{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	rows, err := tablefile.NewReader(r, spec, s.opts.MaxBytes)
	if err != nil {
		return Version{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	start := time.Now()
	data, err := s.newData()
	if err != nil {
		return Version{}, err
	}
	n, err := s.fill(ctx, data, rows)
	if err != nil {
		if derr := s.dropData(data); derr != nil {
			s.log.Error("tables: refused push not cleaned up", "table", name, "err", derr)
		}
		return Version{}, err
	}
	h, unlock, err := s.lockHead(tenant, name)
	if err != nil {
		return Version{}, err
	}
	defer unlock()
	v := Version{Number: h.Last + 1, Data: data, Rows: n, Bytes: rows.Bytes(), Format: spec.Format,
		PushedAt: time.Now().UTC()}
	if err := s.publish(h, h.add(v)); err != nil {
		return Version{}, err
	}
	if err := s.sp.DeleteAux(ns, pendingKey(data), false); err != nil {
		s.log.Warn("tables: pending marker left", "data", data, "err", err)
	}
	s.log.Info("table pushed", "tenant", tenant, "table", name, "version", v.Number, "rows", n,
		"bytes", v.Bytes, "took", time.Since(start))
	return v, nil
}

// fill writes every row of rows into data set data and returns how many.
func (s *Store) fill(ctx context.Context, data uint64, rows tablefile.Reader) (int64, error) {
	b, err := s.sp.NewAuxBatch(ns)
	if err != nil {
		return 0, err
	}
	defer b.Close()
	keys := newKeySet()
	var n int64
	for ; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, fmt.Errorf("tables: push: %w", err)
			}
		}
		key, val, line, err := rows.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, invalidOr(err)
		}
		if dup, err := keys.seen(s.sp, b, data, key); err != nil || dup {
			return 0, firstErr(err, fmt.Errorf("%w: %w", ErrInvalid, &tablefile.RowError{Line: line, Problem: fmt.Sprintf("duplicate key %q", key)}))
		}
		if err := b.Set(dataKey(data, key), val); err != nil {
			return 0, fmt.Errorf("tables: push: %w", err)
		}
	}
	if err := b.Commit(); err != nil {
		return 0, fmt.Errorf("tables: push: %w", err)
	}
	return n, nil
}

// invalidOr marks a row or size error as ErrInvalid; other errors (the
// request body cut, the spool closed) pass as they are.
func invalidOr(err error) error {
	var re *tablefile.RowError
	if errors.As(err, &re) || errors.Is(err, tablefile.ErrTooLarge) {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return fmt.Errorf("tables: push: %w", err)
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// keySet finds duplicate keys of a load without holding the keys: Bloom
// filters (a new one, twice as large, each time the last is full) answer
// "new" for nearly every key, and a hit is confirmed by reading the key
// back from the data set, after writing out the batch that may hold it.
type keySet struct {
	filters []*bloom.Filter
	size    int // entries the last filter is sized for
}

func newKeySet() *keySet {
	return &keySet{filters: []*bloom.Filter{bloom.New(1 << 16)}, size: 1 << 16}
}

func (k *keySet) seen(sp *spool.Store, b *spool.AuxBatch, data uint64, key string) (bool, error) {
	maybe := false
	for _, f := range k.filters {
		maybe = maybe || f.MayContain(key)
	}
	last := k.filters[len(k.filters)-1]
	if last.Full() {
		k.size *= 2
		last = bloom.New(k.size)
		k.filters = append(k.filters, last)
	}
	last.Add(key)
	if !maybe {
		return false, nil
	}
	if err := b.Flush(); err != nil {
		return false, fmt.Errorf("tables: push: %w", err)
	}
	err := sp.GetAuxFunc(ns, dataKey(data, key), func([]byte) error { return nil })
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, spool.ErrNotFound):
		return false, nil
	}
	return false, fmt.Errorf("tables: push: %w", err)
}
