package spool

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Loss is what a start found wrong with the spool: acknowledged messages
// that are not there, and damage stepped over. The first Scan after Open
// computes it (Store.Loss), logs it at ERROR and keeps it in the store
// (LossReports), then takes the spool as it is as the new baseline, so
// that one loss is reported once.
type Loss struct {
	Time time.Time `json:"time"`
	// WALTail counts messages acknowledged (per the ACKNOWLEDGED file)
	// beyond what the store's own count reaches: the end of the WAL was
	// lost (a truncated file, a torn write on a disk that lies about
	// fsync).
	WALTail int64 `json:"wal_tail,omitempty"`
	// Missing counts envelopes that the store's counts say are there and
	// the scan did not find: a WAL lost from the middle, or envelopes in a
	// damaged table.
	Missing int64 `json:"missing,omitempty"`
	// Returned counts envelopes found beyond the counts: their deletion was
	// lost, and they are delivered again (a duplicate, never a loss).
	Returned int64 `json:"returned,omitempty"`
	// Damaged lists the key ranges of damaged tables that reads stepped over.
	Damaged []string `json:"damaged,omitempty"`
	// Quarantined counts envelopes that could not be decoded, moved to the
	// quarantine by this scan.
	Quarantined int64 `json:"quarantined,omitempty"`
}

// Lost is the number of acknowledged messages that are gone.
func (l Loss) Lost() int64 { return l.WALTail + l.Missing }

// Any reports whether there is anything to report.
func (l Loss) Any() bool {
	return l.Lost() > 0 || l.Returned > 0 || len(l.Damaged) > 0 || l.Quarantined > 0
}

func (l Loss) String() string {
	var parts []string
	if l.WALTail > 0 {
		parts = append(parts, fmt.Sprintf("%d acknowledged messages beyond the end of the WAL (its tail was lost)", l.WALTail))
	}
	if l.Missing > 0 {
		parts = append(parts, fmt.Sprintf("%d envelopes missing (a lost WAL or a damaged table)", l.Missing))
	}
	if l.Quarantined > 0 {
		parts = append(parts, fmt.Sprintf("%d unreadable envelopes quarantined", l.Quarantined))
	}
	if len(l.Damaged) > 0 {
		parts = append(parts, fmt.Sprintf("%d damaged tables repaired or key ranges stepped over", len(l.Damaged)))
	}
	if l.Returned > 0 {
		parts = append(parts, fmt.Sprintf("%d deleted messages came back and are delivered again", l.Returned))
	}
	return strings.Join(parts, "; ")
}

// lossNS is the aux namespace of the loss reports, keyed by time.
const lossNS = "spool-loss"

// reconcile compares the envelopes a full scan found with the ledger as
// it was when the scan began (acked0, gone0), reports any difference, and
// writes the difference off, so that the spool as found is the new
// baseline. Deletes made during the scan (of messages it found finished)
// stay counted.
func (s *Store) reconcile(acked0, gone0, present uint64, damaged []string, quarantined int) error {
	loss := Loss{Time: time.Now().UTC(), Damaged: damaged, Quarantined: int64(quarantined)}
	var diff int64 // envelopes expected minus found
	// ACKNOWLEDGED is written by the ledger only: a spool from before it
	// has none, and a spool that has one and no counters lost them.
	if s.ledger.openHadFile && s.ledger.openFile > acked0 {
		loss.WALTail = int64(s.ledger.openFile - acked0)
	}
	if s.ledger.started {
		diff = int64(acked0-gone0) - int64(present)
		loss.Missing, loss.Returned = max(diff, 0), max(-diff, 0)
	}
	s.lossMu.Lock()
	s.loss = loss
	s.lossMu.Unlock()
	if loss.Any() {
		s.report(loss)
	}
	b := s.db.NewBatch()
	defer b.Close()
	if loss.Any() {
		rep, _ := json.Marshal(loss)
		_ = b.Set(auxKey(lossNS, []byte(loss.Time.Format(time.RFC3339Nano))), rep, nil)
	}
	l := &s.ledger
	l.mu.Lock()
	acked, gone := l.acked, uint64(int64(l.gone)+diff)
	if !l.started { // a spool from before the ledger starts counting now
		acked += present
	}
	_ = b.Set(ackedKey, u64(acked), nil)
	_ = b.Set(goneKey, u64(gone), nil)
	err := s.db.Apply(b, pebble.Sync)
	if err == nil {
		l.synced += acked - l.acked // a spool from before the ledger: its messages are synced
		l.acked, l.gone, l.started, l.deficit = acked, gone, true, 0
	}
	l.mu.Unlock()
	if err != nil {
		return fmt.Errorf("spool: record the count: %w", err)
	}
	return l.writeAckFile(s.space.fs, s.dir, l.fileCount)
}

func (s *Store) report(loss Loss) {
	level := slog.LevelError
	if loss.Lost() == 0 && len(loss.Damaged) == 0 && loss.Quarantined == 0 {
		level = slog.LevelWarn // only messages that came back
	}
	s.log.Log(context.Background(), level, "spool: messages lost or damaged: "+loss.String()+
		" (see docs/operations.md, \"Spool damage\"; wasmta spool salvage exports what can be read)",
		"dir", s.dir, "lost", loss.Lost(), "wal_tail", loss.WALTail, "missing", loss.Missing,
		"returned", loss.Returned, "quarantined", loss.Quarantined, "damaged", loss.Damaged)
}

// Loss returns what the first Scan since Open found missing or damaged
// (the zero Loss before that Scan, or when nothing was wrong).
func (s *Store) Loss() Loss {
	s.lossMu.Lock()
	defer s.lossMu.Unlock()
	return s.loss
}

// LossReports returns every loss ever reported in this spool, oldest
// first.
func (s *Store) LossReports() ([]Loss, error) {
	var out []Loss
	err := s.ScanAux(lossNS, nil, func(_, val []byte) error {
		var l Loss
		if err := json.Unmarshal(val, &l); err != nil {
			return err
		}
		out = append(out, l)
		return nil
	})
	return out, err
}

// damage counts the corruption Pebble meets, in place of its default
// listener, which ends the process: a damaged table must cost the
// messages in it, not every delivery of every other message.
type damage struct {
	log   *slog.Logger
	count atomic.Int64
	mu    sync.Mutex
	seen  map[string]bool // files already logged
}

// corruption is Pebble's DataCorruption listener. It is called in read
// paths and must not block: it logs each file once.
func (d *damage) corruption(info pebble.DataCorruptionInfo) {
	d.count.Add(1)
	d.mu.Lock()
	first := !d.seen[info.Path]
	if d.seen == nil {
		d.seen = map[string]bool{}
	}
	d.seen[info.Path] = true
	d.mu.Unlock()
	if first {
		d.log.Error("spool: read met damaged data",
			"file", info.Path, "err", firstLine(info.Details))
	}
}
