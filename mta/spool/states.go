package spool

import (
	"bytes"
	"context"
	"fmt"
	"slices"
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
// bodies. One bad value or one damaged table must not keep the MTA from
// starting: an envelope that does not decode is quarantined, the key range
// of a damaged table is stepped over (see span), and both are reported.
// States left behind by a SetStates that raced a Delete are removed.
//
// The first Scan (or QueueScan) that reads the whole spool after Open also
// compares what it found with the ledger and reports any loss (see Loss);
// it must run before the first Put or Delete (a QueueScan: be begun
// before them), as the engine's start does.
func (s *Store) Scan(ctx context.Context, fn func(m *message.Message, st []message.RcptState) error) error {
	var m *message.Message
	var st []message.RcptState
	if err := s.gate.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	acked0, gone0 := s.ledger.counts()
	return s.scan(ctx, view{r: s.db, acked: acked0, gone: gone0}, func(id message.ID, v []byte) ([]message.RcptState, error) {
		var err error
		if m, err = decodeMessage(id, v); err != nil {
			return nil, err
		}
		st = pendingStates(len(m.Recipients), m.ReceivedAt)
		return st, nil
	}, func() error { return fn(m, st) })
}

// view is what a scan reads: the store or a snapshot of it, with the
// ledger's counts at that moment.
type view struct {
	r           pebble.Reader
	acked, gone uint64
}

// scan walks every envelope of v with its states: decode reads an envelope
// and returns its recipients' states, all Pending and due at reception
// (the states stored are read into them); visit is called after, unless
// decode failed (the envelope is then quarantined). The caller holds the
// gate.
func (s *Store) scan(ctx context.Context, v view, decode func(message.ID, []byte) ([]message.RcptState, error), visit func() error) error {
	sc := s.newScanner(v.r, decode)
	for n := 0; sc.next(); n++ {
		if n%256 == 0 && ctx.Err() != nil {
			sc.err = ctx.Err()
			break
		}
		if !sc.ok {
			continue
		}
		if err := visit(); err != nil {
			sc.err = err
			break
		}
	}
	complete := sc.err == nil
	if err := sc.close(); err != nil {
		return fmt.Errorf("spool: scan: %w", err)
	}
	if err := s.deleteOrphans(sc.orphans); err != nil {
		return err
	}
	if complete && !s.scanned.Swap(true) {
		if err := s.reconcile(v.acked, v.gone, sc.present, slices.Concat(s.repairs, sc.mit.skipped, sc.rit.skipped), len(sc.bad)); err != nil {
			return err
		}
	}
	for _, id := range sc.bad {
		if _, err := s.Quarantine(id, "envelope does not decode"); err != nil {
			return fmt.Errorf("spool: scan: %w", err)
		}
	}
	return nil
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
	mit     *span
	rit     *span
	decode  func(message.ID, []byte) ([]message.RcptState, error)
	states  []message.RcptState // of the current envelope
	ok      bool                // the current envelope decoded
	orphans [][]byte
	bad     []message.ID // envelopes that do not decode
	present uint64       // envelopes seen, decodable or not
	err     error
	started bool
}

func (s *Store) newScanner(r pebble.Reader, decode func(message.ID, []byte) ([]message.RcptState, error)) *scanner {
	sc := &scanner{s: s, decode: decode, mit: newSpan(r, prefixMessage, upperBound(prefixMessage)),
		rit: newSpan(r, prefixState, upperBound(prefixState))}
	sc.rit.first()
	return sc
}

func (sc *scanner) next() bool {
	if sc.err != nil {
		return false
	}
	var ok bool
	if sc.started {
		ok = sc.mit.next()
	} else {
		ok, sc.started = sc.mit.first(), true
	}
	if !ok {
		sc.skipOrphans(nil)
		return false
	}
	sc.present++
	id, _ := keyID(sc.mit.key())
	v, err := sc.mit.it.ValueAndErr()
	sc.states, sc.ok = nil, false
	if err == nil {
		sc.states, err = sc.decode(id, v)
	}
	sc.ok = err == nil
	if err != nil {
		sc.states = nil
		sc.s.log.Error("spool: unreadable envelope, quarantining it", "id", id.String(), "err", err)
		sc.bad = append(sc.bad, id)
	}
	sc.skipOrphans(id[:])
	sc.readStates(id)
	return true
}

// skipOrphans advances the state iterator to the first key of id (to the
// end when id is nil), remembering the keys it passes.
func (sc *scanner) skipOrphans(id []byte) {
	for ok := sc.rit.valid(); ok; ok = sc.rit.next() {
		rid, isID := keyID(sc.rit.key())
		if isID && id != nil && bytes.Compare(rid[:], id) >= 0 {
			return
		}
		sc.orphans = append(sc.orphans, append([]byte(nil), sc.rit.key()...))
	}
}

// readStates consumes the state keys of id.
func (sc *scanner) readStates(id message.ID) {
	for ok := sc.rit.valid(); ok; ok = sc.rit.next() {
		if _, isID := stateIndex(sc.rit.key(), id); !isID {
			return
		}
		if !sc.ok {
			continue
		}
		if err := setState(sc.states, id, sc.rit.it); err != nil {
			// The recipient stays Pending: delivering twice beats never.
			sc.s.log.Error("spool: recipient state unreadable, retrying it", "id", id.String(), "err", err)
		}
	}
}

func (sc *scanner) close() error {
	return firstErr(sc.err, sc.mit.close(), sc.rit.close())
}
