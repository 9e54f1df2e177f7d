package spool

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/wasmta/wasmta/mta/message"
)

// pendingStates returns n fresh states: a recipient with no stored state
// has not been attempted and is due at reception.
func pendingStates(n int, receivedAt time.Time) []message.RcptState {
	st := make([]message.RcptState, n)
	for i := range st {
		st[i] = message.RcptState{Status: message.Pending, Due: receivedAt}
	}
	return st
}

// States returns the states of the n recipients of a stored message.
func (s *Store) States(id message.ID, n int) ([]message.RcptState, error) {
	if n < 0 || n > maxRcpts {
		return nil, fmt.Errorf("spool: states %s: bad recipient count %d", id, n)
	}
	var receivedAt time.Time
	err := s.get(idKey(prefixMessage, id), func(v []byte) (err error) {
		receivedAt, err = decodeReceivedAt(v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("spool: states %s: %w", id, err)
	}
	st := pendingStates(n, receivedAt)
	if err := s.readStates(id, st); err != nil {
		return nil, fmt.Errorf("spool: states %s: %w", id, err)
	}
	return st, nil
}

func (s *Store) readStates(id message.ID, st []message.RcptState) error {
	if err := s.gate.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	lo := idKey(prefixState, id)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: upperBound(lo)})
	if err != nil {
		return err
	}
	for it.First(); it.Valid() && err == nil; it.Next() {
		err = setState(st, id, it)
	}
	return firstErr(err, it.Error(), it.Close())
}

// setState decodes the state under the iterator into st. States beyond the
// message's recipient count are ignored.
func setState(st []message.RcptState, id message.ID, it *pebble.Iterator) error {
	idx, ok := stateIndex(it.Key(), id)
	if !ok || idx >= len(st) {
		return nil
	}
	v, err := it.ValueAndErr()
	if err != nil {
		return err
	}
	st[idx], err = decodeState(v)
	return err
}

// SetStates stores the states of the recipients at the given indexes.
// sync=false suits results whose loss can only repeat a delivery (a crash
// brings the previous state back and the recipient is tried again);
// sync=true suits results that must not be repeated, such as a bounce that
// generates a DSN.
func (s *Store) SetStates(id message.ID, idx []int, st []message.RcptState, sync bool) error {
	if len(idx) != len(st) {
		return fmt.Errorf("spool: set states %s: %d indexes for %d states", id, len(idx), len(st))
	}
	if err := s.gate.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	defer s.exitOnPanic("set states")
	s.stated.add(id) // before the write: a Delete from now on looks for states
	b := s.db.NewBatch()
	defer b.Close()
	var buf []byte
	for i, n := range idx {
		if n < 0 || n >= maxRcpts {
			return fmt.Errorf("spool: set states %s: bad recipient index %d", id, n)
		}
		buf = encodeState(buf[:0], st[i])
		_ = b.Set(stateKey(id, n), buf, nil) // Set copies buf
	}
	opt := pebble.NoSync
	if sync {
		opt = pebble.Sync
	}
	if err := s.db.Apply(b, opt); err != nil {
		return writeErr("set states", id, err)
	}
	return nil
}

// Scan calls fn for every stored message in ID order (oldest first) with the
// states of all its recipients. It reads envelopes and states only, never
// bodies. An envelope that does not decode is logged and skipped: one bad
// value must not keep the MTA from starting. States left behind by a
// SetStates that raced a Delete are removed.
func (s *Store) Scan(ctx context.Context, fn func(m *message.Message, st []message.RcptState) error) error {
	if err := s.gate.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	sc, err := s.newScanner()
	if err != nil {
		return fmt.Errorf("spool: scan: %w", err)
	}
	for n := 0; sc.next(); n++ {
		if n%256 == 0 && ctx.Err() != nil {
			sc.err = ctx.Err()
			break
		}
		if sc.msg == nil {
			continue
		}
		if err := fn(sc.msg, sc.states); err != nil {
			sc.err = err
			break
		}
	}
	if err := sc.close(); err != nil {
		return fmt.Errorf("spool: scan: %w", err)
	}
	return s.deleteOrphans(sc.orphans)
}

// deleteOrphans removes state keys that have no envelope.
func (s *Store) deleteOrphans(keys [][]byte) error {
	if len(keys) == 0 {
		return nil
	}
	b := s.db.NewBatch()
	defer b.Close()
	for _, k := range keys {
		_ = b.Delete(k, nil)
	}
	s.log.Warn("spool: removing recipient states without a message", "count", len(keys))
	if err := s.db.Apply(b, pebble.NoSync); err != nil {
		return fmt.Errorf("spool: scan: remove orphan states: %w", err)
	}
	return nil
}

// scanner walks the envelopes and the states side by side: both are keyed
// by ID first, so one pass over each range pairs them up.
type scanner struct {
	s       *Store
	mit     *pebble.Iterator
	rit     *pebble.Iterator
	msg     *message.Message // nil when the current envelope did not decode
	states  []message.RcptState
	orphans [][]byte
	err     error
	started bool
}

func (s *Store) newScanner() (*scanner, error) {
	mit, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefixMessage, UpperBound: upperBound(prefixMessage)})
	if err != nil {
		return nil, err
	}
	rit, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefixState, UpperBound: upperBound(prefixState)})
	if err != nil {
		_ = mit.Close()
		return nil, err
	}
	rit.First()
	return &scanner{s: s, mit: mit, rit: rit}, nil
}

func (sc *scanner) next() bool {
	if sc.err != nil {
		return false
	}
	var ok bool
	if sc.started {
		ok = sc.mit.Next()
	} else {
		ok, sc.started = sc.mit.First(), true
	}
	if !ok {
		sc.skipOrphans(nil)
		return false
	}
	id, _ := keyID(sc.mit.Key())
	sc.msg, sc.states = nil, nil
	v, err := sc.mit.ValueAndErr()
	if err != nil {
		sc.err = err
		return false
	}
	m, err := decodeMessage(id, v)
	if err != nil {
		sc.s.log.Error("spool: skipping undecodable message", "id", id.String(), "err", err)
	}
	sc.skipOrphans(id[:])
	if m != nil {
		sc.msg, sc.states = m, pendingStates(len(m.Recipients), m.ReceivedAt)
	}
	sc.err = sc.readStates(id)
	return sc.err == nil
}

// skipOrphans advances the state iterator to the first key of id (to the
// end when id is nil), remembering the keys it passes.
func (sc *scanner) skipOrphans(id []byte) {
	for ; sc.rit.Valid(); sc.rit.Next() {
		rid, ok := keyID(sc.rit.Key())
		if ok && id != nil && bytes.Compare(rid[:], id) >= 0 {
			return
		}
		sc.orphans = append(sc.orphans, append([]byte(nil), sc.rit.Key()...))
	}
}

// readStates consumes the state keys of id.
func (sc *scanner) readStates(id message.ID) error {
	for ; sc.rit.Valid(); sc.rit.Next() {
		if _, ok := stateIndex(sc.rit.Key(), id); !ok {
			return nil
		}
		if sc.states == nil {
			continue
		}
		if err := setState(sc.states, id, sc.rit); err != nil {
			// The recipient stays Pending: delivering twice beats never.
			sc.s.log.Error("spool: recipient state unreadable, retrying it", "id", id.String(), "err", err)
		}
	}
	return nil
}

func (sc *scanner) close() error {
	return firstErr(sc.err, sc.mit.Error(), sc.rit.Error(), sc.mit.Close(), sc.rit.Close())
}
