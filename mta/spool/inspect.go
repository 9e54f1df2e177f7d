package spool

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/wasmta/wasmta/mta/message"
)

// Offline reads a stopped spool without changing it: Pebble opens it
// read-only (the WAL is replayed in memory, nothing is written, no table
// is repaired) and holds its lock, so a running wasmta makes Offline fail
// instead of reading under its feet. `wasmta spool check` and
// `wasmta spool salvage` are built on it.
type Offline struct {
	db     *pebble.DB
	dir    string
	fs     vfs.FS
	po     *pebble.Options
	ledger ledger
}

// OpenOffline opens the stopped spool in dir read-only; it must exist.
func OpenOffline(dir string, o Options) (*Offline, error) {
	o = o.withDefaults()
	if _, err := o.FS.Stat(dir); err != nil {
		return nil, fmt.Errorf("spool: %s: %w", dir, err)
	}
	dmg := &damage{log: o.Logger}
	ufs := &unreadFS{FS: o.FS} // checkTables marks the damaged blocks: reads step over them at once
	po := o.pebbleOptions(ufs, newPebbleLogger(o.Logger), dmg)
	po.ReadOnly, po.ErrorIfNotExists = true, true
	db, err := pebble.Open(dir, po)
	if err != nil && walReplayCorruption(err) {
		if path, why := damagedWAL(o.FS, dir); path != "" {
			return nil, fmt.Errorf("spool: %s: WAL %s is damaged (%s): wasmta serve moves it to %s/ at its next start and reports the messages in it as lost", dir, path, why, corruptDir)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("spool: open %s read-only (is wasmta serve still running on it?): %w", dir, err)
	}
	off := &Offline{db: db, dir: dir, fs: ufs, po: po}
	if err := off.ledger.load(db, o.FS, dir); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("spool: %s: %w", dir, err)
	}
	return off, nil
}

// Close releases the spool.
func (off *Offline) Close() error { return off.db.Close() }

// Report is what Check found.
type Report struct {
	Dir string `json:"dir"`
	// Envelopes found (Undecodable of them do not decode); Bodies found;
	// Orphans: bodies without an envelope (theirs was lost).
	Envelopes   int64 `json:"envelopes"`
	Undecodable int64 `json:"undecodable"`
	Bodies      int64 `json:"bodies"`
	Orphans     int64 `json:"orphan_bodies"`
	Quarantined int64 `json:"quarantined"`
	// Acked, Gone: the ledger; AckFile: the ACKNOWLEDGED file (0: none).
	Acked   uint64 `json:"acked"`
	Gone    uint64 `json:"gone"`
	AckFile uint64 `json:"ack_file"`
	// WALTail, Missing, Returned: as in Loss, had the spool started now.
	WALTail  int64 `json:"wal_tail"`
	Missing  int64 `json:"missing"`
	Returned int64 `json:"returned"`
	// DamagedTables: tables failing their checksums (a start repairs
	// them); Damaged: key ranges the walk had to step over.
	DamagedTables []string `json:"damaged_tables,omitempty"`
	Damaged       []string `json:"damaged,omitempty"`
	// Past: the losses reported by earlier starts.
	Past []Loss `json:"past_losses,omitempty"`
}

// Clean reports whether nothing is missing or damaged now. Past losses do
// not count: they were reported when they were found.
func (r *Report) Clean() bool {
	return r.WALTail == 0 && r.Missing == 0 && r.Undecodable == 0 && r.Orphans == 0 &&
		len(r.DamagedTables) == 0 && len(r.Damaged) == 0
}

// Check verifies every table, walks every key and compares what it found
// with the ledger.
func (off *Offline) Check() (*Report, error) {
	r := &Report{Dir: off.dir, Acked: off.ledger.acked, Gone: off.ledger.gone}
	if off.ledger.hadFile {
		r.AckFile = off.ledger.fileAcked
	}
	var err error
	if r.DamagedTables, err = off.checkTables(); err != nil {
		return nil, err
	}
	if err := off.walk(r); err != nil {
		return nil, err
	}
	if r.AckFile > r.Acked {
		r.WALTail = int64(r.AckFile - r.Acked)
	}
	if off.ledger.started {
		diff := int64(r.Acked-r.Gone) - r.Envelopes
		r.Missing, r.Returned = max(diff, 0), max(-diff, 0)
	}
	r.Past, err = off.losses()
	return r, err
}

// checkTables verifies every table and returns a line per damaged one.
// The damaged blocks are not read again (see unreadFS): Pebble would
// search each for a flipped bit at every read, minutes for a large body.
func (off *Offline) checkTables() ([]string, error) {
	levels, err := off.db.SSTables()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, tables := range levels {
		for _, t := range tables {
			path := off.fs.PathJoin(off.dir, fmt.Sprintf("%06d.sst", uint64(t.BackingSSTNum)))
			verr := validateTable(off.fs, path, off.po)
			if verr == nil {
				continue
			}
			var d *tableDamage
			if u, ok := off.fs.(*unreadFS); ok && errors.As(verr, &d) {
				u.markDamaged(path, d)
			}
			out = append(out, fmt.Sprintf("%s: %s", off.fs.PathBase(path), firstLine(verr)))
		}
	}
	return out, nil
}

// walk counts envelopes, bodies and quarantined messages.
func (off *Offline) walk(r *Report) error {
	err := off.Envelopes(func(id message.ID, m *message.Message, _ []message.RcptState, derr error) error {
		r.Envelopes++
		if derr != nil {
			r.Undecodable++
		}
		return nil
	}, &r.Damaged)
	if err != nil {
		return err
	}
	err = off.Bodies(func(id message.ID, _ []byte, orphan bool) error {
		r.Bodies++
		if orphan {
			r.Orphans++
		}
		return nil
	}, &r.Damaged)
	if err != nil {
		return err
	}
	q := newSpan(off.db, prefixQuarantine, upperBound(prefixQuarantine))
	for ok := q.first(); ok; ok = q.next() {
		r.Quarantined++
	}
	r.Damaged = append(r.Damaged, q.skipped...)
	return q.close()
}

// Envelopes calls fn for every envelope that can be read: the message
// (nil with derr when it does not decode) and its recipients' states.
// Damaged key ranges stepped over are appended to damaged.
func (off *Offline) Envelopes(fn func(id message.ID, m *message.Message, st []message.RcptState, derr error) error, damaged *[]string) error {
	p := newSpan(off.db, prefixMessage, upperBound(prefixMessage))
	var err error
	for ok := p.first(); ok && err == nil; ok = p.next() {
		id, _ := keyID(p.key())
		v, verr := p.it.ValueAndErr()
		var m *message.Message
		if verr == nil {
			m, verr = decodeMessage(id, v)
		}
		var st []message.RcptState
		if m != nil {
			st = pendingStates(len(m.Recipients), m.ReceivedAt)
			off.readStates(id, st, damaged)
		}
		err = fn(id, m, st, verr)
	}
	*damaged = append(*damaged, p.skipped...)
	return errors.Join(err, p.close())
}

// readStates fills st from the state keys of id that can be read.
func (off *Offline) readStates(id message.ID, st []message.RcptState, damaged *[]string) {
	lo := idKey(prefixState, id)
	p := newSpan(off.db, lo, upperBound(lo))
	for ok := p.first(); ok; ok = p.next() {
		_ = setState(st, id, p.it) // an unreadable state stays Pending
	}
	*damaged = append(*damaged, p.skipped...)
	_ = p.close()
}

// Bodies calls fn for every body that can be read, with orphan true when
// its envelope is not there.
func (off *Offline) Bodies(fn func(id message.ID, body []byte, orphan bool) error, damaged *[]string) error {
	p := newSpan(off.db, prefixBody, upperBound(prefixBody))
	var err error
	for ok := p.first(); ok && err == nil; ok = p.next() {
		id, _ := keyID(p.key())
		v, verr := p.it.ValueAndErr()
		if verr != nil {
			*damaged = append(*damaged, fmt.Sprintf("body %s: %v", id, firstLine(verr)))
			continue
		}
		_, closer, gerr := off.db.Get(idKey(prefixMessage, id))
		if gerr == nil {
			_ = closer.Close()
		}
		err = fn(id, v, errors.Is(gerr, pebble.ErrNotFound))
	}
	*damaged = append(*damaged, p.skipped...)
	return errors.Join(err, p.close())
}

// Quarantine calls fn for every quarantined message, with its body when
// one was kept.
func (off *Offline) Quarantine(fn func(q Quarantined, body []byte) error) error {
	s := &Store{db: off.db, gate: newGate()}
	return s.QuarantineList(fn)
}

// losses reads the loss reports that can be read.
func (off *Offline) losses() ([]Loss, error) {
	var out []Loss
	lo := auxKey(lossNS, nil)
	p := newSpan(off.db, lo, upperBound(lo))
	for ok := p.first(); ok; ok = p.next() {
		var l Loss
		if v, err := p.it.ValueAndErr(); err == nil && json.Unmarshal(v, &l) == nil {
			out = append(out, l)
		}
	}
	return out, p.close()
}
