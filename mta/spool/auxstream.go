package spool

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// AuxBatch writes many values of one aux namespace in batches of bounded
// size, for loads too large to hold in memory (a policy table of millions
// of rows): each batch is committed without sync once it passes its size,
// and Commit syncs the last one, which also makes the earlier ones
// durable (the WAL is written in order). Nothing marks the writes as one
// unit: the caller publishes them (a head key written after Commit) and
// deletes them when a load fails. An AuxBatch is used by one goroutine.
type AuxBatch struct {
	s     *Store
	ns    string
	b     *pebble.Batch
	limit int
	err   error
}

// auxBatchBytes is the size past which an AuxBatch commits: well under
// half a memtable, so a batch is never written as a flushable batch of
// its own.
const auxBatchBytes = 1 << 20

// NewAuxBatch starts a streaming write into namespace ns. It refuses when
// the disk is too full for new mail (ErrFull): a table must not take the
// space reception needs.
func (s *Store) NewAuxBatch(ns string) (*AuxBatch, error) {
	if err := checkNS(ns); err != nil {
		return nil, err
	}
	if err := s.space.admit(); err != nil {
		return nil, fmt.Errorf("spool: aux batch %s: %w", ns, err)
	}
	return &AuxBatch{s: s, ns: ns, b: s.db.NewBatch(), limit: auxBatchBytes}, nil
}

// Set adds key = val. An error (the store closed, a failed commit, a full
// disk) sticks: every later call returns it.
func (a *AuxBatch) Set(key, val []byte) error {
	if a.err != nil {
		return a.err
	}
	_ = a.b.Set(auxKey(a.ns, key), val, nil)
	if a.b.Len() >= a.limit {
		a.err = a.commit(false)
	}
	return a.err
}

// Commit writes what is left, synced, and ends the batch.
func (a *AuxBatch) Commit() error {
	err := a.err
	if err == nil {
		err = a.commit(true)
	}
	a.Close()
	return err
}

// Close drops what was not committed.
func (a *AuxBatch) Close() {
	if a.b != nil {
		_ = a.b.Close()
		a.b = nil
	}
	if a.err == nil {
		a.err = errBatchClosed
	}
}

var errBatchClosed = fmt.Errorf("spool: aux batch closed")

func (a *AuxBatch) commit(sync bool) error {
	s := a.s
	if err := s.gate.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	defer s.exitOnPanic("aux batch")
	if !sync {
		if err := s.space.admit(); err != nil {
			return fmt.Errorf("spool: aux batch %s: %w", a.ns, err)
		}
	}
	opt := pebble.NoSync
	if sync {
		opt = pebble.Sync
	}
	size := int64(len(a.b.Repr()))
	if err := s.db.Apply(a.b, opt); err != nil {
		return fmt.Errorf("spool: aux batch %s: %w", a.ns, err)
	}
	s.space.wrote(size)
	a.b.Reset()
	return nil
}

// DeleteAuxPrefix removes every key of namespace ns that starts with
// prefix, with one range deletion (see DeleteAuxRange): its cost does not
// grow with the number of keys, and compactions reclaim the space.
func (s *Store) DeleteAuxPrefix(ns string, prefix []byte) error {
	return s.DeleteAuxRange(ns, prefix, upperBound(prefix))
}

// GetAuxFunc calls fn with the value of key in namespace ns, valid only
// during the call (no copy), or returns an error wrapping ErrNotFound.
func (s *Store) GetAuxFunc(ns string, key []byte, fn func(v []byte) error) error {
	if err := checkNS(ns); err != nil {
		return err
	}
	if err := s.get(auxKey(ns, key), fn); err != nil {
		return fmt.Errorf("spool: get aux %s/%q: %w", ns, key, err)
	}
	return nil
}

// Flush commits what was added so far, without sync, so that reads see
// it.
func (a *AuxBatch) Flush() error {
	if a.err == nil && a.b.Count() > 0 {
		a.err = a.commit(false)
	}
	return a.err
}
