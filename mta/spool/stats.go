package spool

import (
	"sync"
	"sync/atomic"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// Stats is a cheap snapshot of the store for metrics and the admin API.
// Counters run from Open; divide deltas between two snapshots for rates.
// The fields read from Pebble (DiskBytes, WALSyncs, WALSync) may be up to a
// second old.
type Stats struct {
	DiskBytes int64 // Pebble's files: sstables, WAL, manifest (not the ballast)
	FreeBytes int64 // available on the filesystem at the last check
	// Full: Put refuses with ErrFull, because free space is below
	// MinFreeBytes or because a write met ENOSPC.
	Full bool
	// BallastSpent: a write met ENOSPC and the ballast was released; it is
	// rebuilt, and this cleared, once the space is back.
	BallastSpent bool

	Puts       int64         // Puts that succeeded
	PutLatency time.Duration // mean time a successful Put waited for its commit
	WALSyncs   int64         // WAL fsyncs; Puts/WALSyncs is the group-commit factor
	WALSync    time.Duration // mean WAL fsync latency

	// Lost: acknowledged messages the start found missing (Loss.Lost).
	Lost int64
	// Quarantined: messages moved to the quarantine since Open.
	Quarantined int64
	// Corruptions: reads that met damaged data since Open.
	Corruptions int64
}

type counters struct {
	puts        atomic.Int64
	putNanos    atomic.Int64
	quarantined atomic.Int64

	// Pebble's metrics take its mutex and walk the LSM: Stats reuses them
	// for a second, so that calling Stats per connection stays cheap.
	mu        sync.Mutex
	pebbleAt  time.Time
	pebbleVal Stats // only the Pebble-derived fields
}

func (c *counters) put(d time.Duration) {
	c.puts.Add(1)
	c.putNanos.Add(int64(d))
}

// Stats returns a snapshot of the store's counters.
func (s *Store) Stats() Stats {
	st := Stats{
		FreeBytes:    s.space.free.Load() - s.space.written.Load(),
		Full:         s.space.refusing(),
		BallastSpent: s.space.full.Load(),
		Puts:         s.stats.puts.Load(),
		Lost:         s.Loss().Lost(),
		Quarantined:  s.stats.quarantined.Load(),
		Corruptions:  s.damage.count.Load(),
	}
	if st.Puts > 0 {
		st.PutLatency = time.Duration(s.stats.putNanos.Load() / st.Puts)
	}
	p := s.pebbleStats()
	st.DiskBytes, st.WALSyncs, st.WALSync = p.DiskBytes, p.WALSyncs, p.WALSync
	return st
}

func (s *Store) pebbleStats() Stats {
	c := &s.stats
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.pebbleAt) < time.Second || s.gate.enter() != nil {
		return c.pebbleVal
	}
	defer s.gate.leave()
	m := s.db.Metrics()
	p := Stats{DiskBytes: int64(m.DiskSpaceUsage())}
	if h := m.LogWriter.FsyncLatency; h != nil {
		var pm dto.Metric
		if h.Write(&pm) == nil && pm.Histogram != nil {
			p.WALSyncs = int64(pm.Histogram.GetSampleCount())
			if p.WALSyncs > 0 {
				p.WALSync = time.Duration(pm.Histogram.GetSampleSum() / float64(p.WALSyncs))
			}
		}
	}
	c.pebbleAt, c.pebbleVal = time.Now(), p
	return p
}

// Stored is the number of messages the ledger counts as stored
// (acknowledged and not gone): a size hint for the queue rebuild, exact
// unless the first full scan finds a loss.
func (s *Store) Stored() uint64 {
	acked, gone := s.ledger.counts()
	if gone > acked {
		return 0
	}
	return acked - gone
}
