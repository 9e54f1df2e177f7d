package spool

import (
	"bytes"
	"context"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// The aux namespace holds small durable values of other subsystems: policy
// modules, the webhook outbox, live admin actions. Each subsystem picks its
// own namespace; keys sort bytewise within it.

// PutAux stores val under key in namespace ns. sync=true returns only once
// the value is on disk.
func (s *Store) PutAux(ns string, key, val []byte, sync bool) error {
	return s.writeAux("put aux", ns, key, sync, func(b *pebble.Batch, k []byte) {
		_ = b.Set(k, val, nil)
	})
}

// DeleteAux removes key from namespace ns; a missing key is not an error.
func (s *Store) DeleteAux(ns string, key []byte, sync bool) error {
	return s.writeAux("delete aux", ns, key, sync, func(b *pebble.Batch, k []byte) {
		_ = b.Delete(k, nil)
	})
}

func (s *Store) writeAux(op, ns string, key []byte, sync bool, add func(*pebble.Batch, []byte)) error {
	if err := checkNS(ns); err != nil {
		return err
	}
	if err := s.gate.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	defer s.exitOnPanic(op)
	b := s.db.NewBatch()
	defer b.Close()
	add(b, auxKey(ns, key))
	opt := pebble.NoSync
	if sync {
		opt = pebble.Sync
	}
	if err := s.db.Apply(b, opt); err != nil {
		return fmt.Errorf("spool: %s %s/%q: %w", op, ns, key, err)
	}
	return nil
}

// GetAux returns a copy of the value of key in namespace ns, or an error
// wrapping ErrNotFound.
func (s *Store) GetAux(ns string, key []byte) ([]byte, error) {
	var val []byte
	err := s.GetAuxFunc(ns, key, func(v []byte) error {
		val = append([]byte{}, v...)
		return nil
	})
	return val, err
}

// ScanAux calls fn in key order for every key of namespace ns that starts
// with prefix. fn gets copies it may keep. An error from fn stops the scan
// and is returned.
func (s *Store) ScanAux(ns string, prefix []byte, fn func(key, val []byte) error) error {
	return s.ScanAuxFrom(ns, prefix, nil, fn)
}

// coldCache is the block cache ScanAuxCold leaves the whole store while
// it scans.
const coldCache = 4 << 20

// ScanAuxCold is ScanAux for a scan of a whole namespace that is read once
// (the suppression filter built at start from a million entries): while
// it runs, the block cache is shrunk to coldCache, so the blocks it reads
// are dropped as it goes rather than filling the cache (64 MiB by default,
// kept for good once allocated). Reads of other callers meanwhile see the
// small cache too.
func (s *Store) ScanAuxCold(ns string, prefix []byte, fn func(key, val []byte) error) error {
	if s.cache != nil && s.cache.MaxSize() > coldCache {
		release := s.cache.Reserve(int(s.cache.MaxSize() - coldCache))
		defer release()
	}
	return s.ScanAuxFrom(ns, prefix, nil, fn)
}

// CacheBytes is what the block cache holds now.
func (s *Store) CacheBytes() int64 { return s.cache.Size() }

// ScanAuxFrom is ScanAux starting at the first key >= from (from nil or
// before prefix: at the start of prefix), for paging through a namespace.
func (s *Store) ScanAuxFrom(ns string, prefix, from []byte, fn func(key, val []byte) error) error {
	if err := checkNS(ns); err != nil {
		return err
	}
	if err := s.gate.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	base := auxKey(ns, nil)
	lo := auxKey(ns, prefix)
	hi := upperBound(lo)
	if f := auxKey(ns, from); bytes.Compare(f, lo) > 0 {
		lo = f
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return fmt.Errorf("spool: scan aux %s: %w", ns, err)
	}
	for it.First(); it.Valid() && err == nil; it.Next() {
		var v []byte
		if v, err = it.ValueAndErr(); err == nil {
			err = fn(append([]byte{}, it.Key()[len(base):]...), append([]byte{}, v...))
		}
	}
	if err = firstErr(err, it.Error(), it.Close()); err != nil {
		return fmt.Errorf("spool: scan aux %s: %w", ns, err)
	}
	return nil
}

// Compact flushes the memtables and compacts every table: for tools that
// write a large data set (a benchmark's suppression list) before the
// spool is used, so that its first user does not pay the compactions.
func (s *Store) Compact() error {
	if err := s.db.Flush(); err != nil {
		return fmt.Errorf("spool: flush: %w", err)
	}
	if err := s.db.Compact(context.Background(), []byte{0}, []byte{0xff, 0xff, 0xff, 0xff}, true); err != nil {
		return fmt.Errorf("spool: compact: %w", err)
	}
	return nil
}
