package spool

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// KV is one key and value of an aux namespace.
type KV struct{ Key, Val []byte }

// PutAuxAll stores every kv in namespace ns in one batch, not synced. It is
// for values worth less than mail (the message history): it refuses with
// ErrFull whenever Put would, so that it never spends the space that keeps
// reception and delivery going, and its bytes count against the free space
// as Put's do.
func (s *Store) PutAuxAll(ns string, kvs []KV) error {
	if err := checkNS(ns); err != nil {
		return err
	}
	if err := s.gate.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	defer s.exitOnPanic("put aux all")
	if err := s.space.admit(); err != nil {
		return fmt.Errorf("spool: put aux %s: %w", ns, err)
	}
	b := s.db.NewBatch()
	defer b.Close()
	for _, kv := range kvs {
		_ = b.Set(auxKey(ns, kv.Key), kv.Val, nil) // a Set into a batch cannot fail
	}
	size := int64(len(b.Repr()))
	if err := s.db.Apply(b, pebble.NoSync); err != nil {
		return fmt.Errorf("spool: put aux %s (%d keys): %w", ns, len(kvs), err)
	}
	s.space.wrote(size)
	return nil
}

// DeleteAuxRange removes every key of namespace ns in [from, to) with one
// range deletion, not synced (an expiry sweep: a crash only makes the next
// sweep delete them again).
func (s *Store) DeleteAuxRange(ns string, from, to []byte) error {
	if err := checkNS(ns); err != nil {
		return err
	}
	if err := s.gate.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	defer s.exitOnPanic("delete aux range")
	if err := s.db.DeleteRange(auxKey(ns, from), auxKey(ns, to), pebble.NoSync); err != nil {
		return fmt.Errorf("spool: delete aux range %s: %w", ns, err)
	}
	return nil
}
