package spool

import (
	"context"
	"time"
)

// While the store refuses mail for lack of space, it asks Pebble to give
// back the space of the mail that left: a flush (a message put and
// deleted within one memtable annihilates there, and the WALs behind it
// become obsolete and are removed) and a manual compaction of the whole key
// space (tombstones drop the tables' copies of delivered messages).
// Pebble compacts on its own only when the shape of its levels asks for
// it, and a spool whose queue drained after a full disk writes nothing
// that would: without this it kept refusing mail, with an empty queue,
// until a restart replayed and dropped its WALs.
//
// A compaction rewrites what is live, so on a spool full of queued mail it
// costs I/O and may itself meet ENOSPC (Pebble then drops its output and
// goes on): it runs only when messages left since the last one, and the
// wait between two grows from reclaimFirst to reclaimMax while the store
// stays full.
const (
	reclaimFirst = 5 * time.Second
	reclaimMax   = 5 * time.Minute
)

type reclaimer struct {
	next time.Time     // no reclaim before
	wait time.Duration // between the last and the next
	gone uint64        // the ledger's gone count at the last reclaim
}

// maybeReclaim runs from the watch loop.
func (s *Store) maybeReclaim(ctx context.Context, now time.Time) {
	r := &s.reclaim
	if !s.space.refusing() {
		r.wait = 0
		return
	}
	_, gone := s.ledger.counts()
	if now.Before(r.next) || gone == r.gone {
		return
	}
	r.wait = min(max(2*r.wait, reclaimFirst), reclaimMax)
	r.next, r.gone = now.Add(r.wait), gone
	if err := s.gate.enter(); err != nil {
		return
	}
	defer s.gate.leave()
	start := time.Now()
	err := s.db.Flush()
	if err == nil {
		err = s.db.Compact(ctx, []byte{0}, []byte{0xff}, false)
	}
	s.space.refresh()
	s.log.Info("spool: full: reclaimed the space of delivered mail", "took", time.Since(start),
		"free_bytes", s.space.free.Load(), "err", err)
	s.space.maybeRestore()
}
