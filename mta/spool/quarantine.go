package spool

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/wasmta/wasmta/mta/message"
)

// ErrCorrupt is returned (wrapped) by a read that met damaged data: a
// block of a table failed its checksum, or a value does not decode. The
// message is quarantined, never retried forever.
var ErrCorrupt = errors.New("spool: damaged data")

// The quarantine is where unreadable messages go, as Postfix moves a
// damaged queue file to corrupt/: out of the queues, out of the way of
// every other message, and kept for the operator with what could still be
// read and why it was moved.
//
//	q/<id>    Quarantined, JSON
//	qb/<id>   the body, when it could still be read
var (
	prefixQuarantine     = []byte("q/")
	prefixQuarantineBody = []byte("qb/")
)

// Quarantined describes a message moved to the quarantine.
type Quarantined struct {
	ID     string    `json:"id"`
	Time   time.Time `json:"time"`
	Reason string    `json:"reason"`
	// Envelope is the encoded envelope when it could be read (decodable or
	// not), for salvage.
	Envelope []byte `json:"envelope,omitempty"`
	HasBody  bool   `json:"has_body"`
}

// Quarantine moves message id out of the spool: its envelope, body and
// states are deleted, and what of them can still be read is kept in the
// quarantine with the reason. The spool counts it as gone. It reports
// whether this call moved the message: quarantining a message twice (two
// deliveries of it met the damage at once) is a no-op.
func (s *Store) Quarantine(id message.ID, reason string) (bool, error) {
	if err := s.gate.enter(); err != nil {
		return false, err
	}
	defer s.gate.leave()
	defer s.exitOnPanic("quarantine")
	s.quarMu.Lock() // the check and the move, once per message
	defer s.quarMu.Unlock()
	qkey := idKey(prefixQuarantine, id)
	if found, err := s.exists(qkey); err != nil || found {
		return false, err
	}
	q := Quarantined{ID: id.String(), Time: time.Now().UTC(), Reason: reason}
	env, _ := s.readRaw(idKey(prefixMessage, id))
	body, berr := s.readRaw(idKey(prefixBody, id))
	q.Envelope, q.HasBody = env, berr == nil
	rec, err := json.Marshal(q)
	if err != nil {
		return false, fmt.Errorf("spool: quarantine %s: %w", id, err)
	}
	b := s.db.NewBatch()
	defer b.Close()
	_ = b.Set(qkey, rec, nil)
	if q.HasBody {
		_ = b.Set(idKey(prefixQuarantineBody, id), body, nil)
	}
	// Plain deletes (never SingleDelete: what is under them is unknown),
	// and a range tombstone for the states, which reads nothing.
	_ = b.Delete(idKey(prefixMessage, id), nil)
	_ = b.Delete(idKey(prefixBody, id), nil)
	lo := idKey(prefixState, id)
	_ = b.DeleteRange(lo, upperBound(lo), nil)
	s.stated.add(id) // a later Delete looks before it deletes
	if err := s.ledger.applyGone(s.db, b, 1, pebble.Sync); err != nil {
		return false, writeErr("quarantine", id, err)
	}
	s.stats.quarantined.Add(1)
	s.log.Error("spool: message quarantined", "id", id.String(), "reason", reason)
	return true, nil
}

// readRaw returns a copy of the value of key, or an error.
func (s *Store) readRaw(key []byte) ([]byte, error) {
	v, closer, err := s.db.Get(key)
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	return append([]byte(nil), v...), nil
}

// QuarantineList calls fn for every quarantined message, with its body
// when one was kept.
func (s *Store) QuarantineList(fn func(q Quarantined, body []byte) error) error {
	if err := s.gate.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefixQuarantine, UpperBound: upperBound(prefixQuarantine)})
	if err != nil {
		return fmt.Errorf("spool: quarantine list: %w", err)
	}
	for it.First(); it.Valid() && err == nil; it.Next() {
		var q Quarantined
		if err = json.Unmarshal(it.Value(), &q); err != nil {
			break
		}
		var body []byte
		if q.HasBody {
			id, _ := keyID(it.Key())
			body, _ = s.readRaw(idKey(prefixQuarantineBody, id))
		}
		err = fn(q, body)
	}
	if err = firstErr(err, it.Error(), it.Close()); err != nil {
		return fmt.Errorf("spool: quarantine list: %w", err)
	}
	return nil
}

// corrupt marks a read error that met damaged data with ErrCorrupt.
func corrupt(err error) error {
	if err != nil && pebble.IsCorruptionError(err) && !errors.Is(err, ErrCorrupt) {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return err
}
