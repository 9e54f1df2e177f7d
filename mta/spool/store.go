package spool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/wasmta/wasmta/mta/message"
)

var (
	// ErrFull is returned (wrapped) by Put when the disk is too full to
	// accept a message; reception answers 452 4.3.1.
	ErrFull = errors.New("spool: full")
	// ErrNotFound is returned (wrapped) for a message or aux key that is not
	// stored.
	ErrNotFound = errors.New("spool: not found")
	// ErrClosed is returned by every method called after Close.
	ErrClosed = errors.New("spool: closed")
)

// Store is the durable spool. All methods are safe for concurrent use.
type Store struct {
	db    *pebble.DB
	cache *pebble.Cache // the DB's block cache (ScanAuxCold shrinks it)
	dir   string
	log   *slog.Logger
	space *space
	stats counters

	gate    *gate
	stated  stated
	ledger  ledger
	damage  *damage
	repairs []string   // damaged tables repaired at Open, for the loss report
	quarMu  sync.Mutex // one Quarantine at a time

	lossMu sync.Mutex
	loss   Loss // what the first full Scan found
	// scanned: a full Scan ran since Open (only the first reconciles).
	scanned atomic.Bool

	reclaim   reclaimer
	stopOnce  sync.Once
	stopWatch chan struct{}
	watchDone chan struct{}
}

// Open opens the spool in dir, creating it when absent. Messages synced
// before a crash are all there after Open returns. Besides Pebble's files,
// dir holds the ballast file (see Options.BallastBytes).
func Open(dir string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	if err := opts.FS.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("spool: open %s: %w", dir, err)
	}
	sp := newSpace(opts, dir)
	sp.refresh()
	// Without room for the ballast the store opens full: deliveries can
	// still run and free space, Puts wait for it.
	_ = sp.ensureBallast()
	// OnDiskFull calls sp.onDiskFull the first time a write meets ENOSPC,
	// then retries that write once: the ballast it frees is what lets the
	// retry, and Pebble's WAL, succeed instead of crashing the process.
	// Under it, walFillFS writes new WALs ahead of Pebble (walfill.go).
	fs := vfs.OnDiskFull(walFillFS{opts.FS}, sp.onDiskFull)
	dmg := &damage{log: opts.Logger}
	repairs, err := checkTables(dir, opts, fs, dmg)
	if err != nil {
		return nil, fmt.Errorf("spool: open %s: %w", dir, err)
	}
	po := opts.pebbleOptions(fs, newPebbleLogger(opts.Logger), dmg)
	po.Cache = pebble.NewCache(opts.CacheSize)
	db, err := pebble.Open(dir, po)
	po.Cache.Unref() // the DB holds its own reference while it is open
	if err != nil {
		return nil, fmt.Errorf("spool: open %s: %w", dir, err)
	}
	s := &Store{
		db: db, cache: po.Cache, dir: dir, log: opts.Logger, space: sp, gate: newGate(), damage: dmg, repairs: repairs,
		stopWatch: make(chan struct{}), watchDone: make(chan struct{}),
	}
	if err := s.ledger.load(db, opts.FS, dir); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("spool: open %s: %w", dir, err)
	}
	go s.watch()
	return s, nil
}

// checkTables opens the store in dir with compactions off, verifies every
// table and repairs the damaged ones before anything else may read them
// (see repair.go).
func checkTables(dir string, opts Options, fs vfs.FS, dmg *damage) ([]string, error) {
	logger := newPebbleLogger(opts.Logger)
	fs = &unreadFS{FS: fs} // the damaged blocks the check finds are not read again
	po := opts.pebbleOptions(fs, logger, dmg)
	po.DisableAutomaticCompactions = true
	db, moved, err := openMovingDamagedWALs(dir, fs, po, opts.Logger)
	if err != nil {
		return nil, err
	}
	repairs, err := verifyAndRepair(db, fs, dir, po)
	for _, r := range repairs {
		opts.Logger.Error("spool: damaged table repaired: " + r)
	}
	return append(moved, repairs...), errors.Join(err, db.Close())
}

// Close closes the store. Operations still running finish first; later
// calls return ErrClosed.
func (s *Store) Close() error {
	// Stop the watch loop first: it cancels a reclaim in progress, which
	// gate.close would otherwise wait for.
	s.stopOnce.Do(func() { close(s.stopWatch) })
	if !s.gate.close() {
		return ErrClosed
	}
	<-s.watchDone
	err := s.saveAcked()
	if cerr := s.db.Close(); cerr != nil {
		return fmt.Errorf("spool: close %s: %w", s.dir, cerr)
	}
	return err
}

// saveAcked writes the acknowledged count to ACKNOWLEDGED (see
// ledger.fileCount: until the first full Scan has reported a lost WAL
// tail, the file goes on counting it).
func (s *Store) saveAcked() error {
	if err := s.ledger.writeAckFile(s.space.fs, s.dir, s.ledger.fileCount); err != nil {
		return fmt.Errorf("spool: write %s: %w", ackFileName, err)
	}
	return nil
}

// watch refreshes the free-space figure in the background, so that Put
// reads it from memory, and rebuilds the ballast once space is back.
func (s *Store) watch() {
	defer close(s.watchDone)
	t := time.NewTicker(freeCheckPeriod)
	defer t.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-s.stopWatch; cancel() }() // a reclaim in progress stops at Close
	for n := 1; ; n++ {
		select {
		case <-s.stopWatch:
			return
		case now := <-t.C:
			s.space.refresh()
			s.space.maybeRestore()
			s.maybeReclaim(ctx, now)
			if n%ackFileEvery == 0 {
				if err := s.saveAcked(); err != nil {
					s.log.Warn("spool: cannot save the acknowledged count", "err", err)
				}
			}
		}
	}
}

// Put stores the envelope and the body of a new message in one batch and
// returns once it is synced to disk. Concurrent Puts share WAL syncs: Pebble
// queues every commit that arrives while an fsync runs and covers them all
// with the next one. ctx is checked before the commit; the commit itself is
// bounded by the disk, not cancellable.
//
// An ID may be Put only once: Delete relies on it (see doc.go). Put reads
// the store to refuse an ID already there, except for an ID minted by this
// process (message.ID.Minted), which is new by construction: that read was
// about 5% of the CPU of a relayed message. Putting a minted ID twice is a
// caller's bug that Put does not catch; every caller builds a message, with
// a fresh ID, for each Put.
func (s *Store) Put(ctx context.Context, m *message.Message, body []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("spool: put %s: %w", m.ID, err)
	}
	if err := checkMessage(m); err != nil {
		return err
	}
	if err := s.gate.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	defer s.exitOnPanic("put")
	if err := s.space.admit(); err != nil {
		return fmt.Errorf("spool: put %s: %w", m.ID, err)
	}
	mkey := idKey(prefixMessage, m.ID)
	if !m.ID.Minted() {
		if found, err := s.exists(mkey); err != nil || found {
			return fmt.Errorf("spool: put %s: %w", m.ID, firstErr(err, errDuplicate))
		}
	}
	env := encodeMessage(make([]byte, 0, 256), m)
	b := s.db.NewBatchWithSize(len(env) + len(body) + 64)
	defer b.Close()
	_ = b.Set(mkey, env, nil) // a Set into a fresh batch cannot fail
	_ = b.Set(idKey(prefixBody, m.ID), body, nil)
	size := int64(len(b.Repr()))
	start := time.Now()
	if err := s.ledger.putAcked(s.db, b, s.log); err != nil {
		return writeErr("put", m.ID, err)
	}
	s.stats.put(time.Since(start))
	s.space.wrote(size)
	return nil
}

func checkMessage(m *message.Message) error {
	switch {
	case m.ID.IsZero():
		return errors.New("spool: put: message has no ID")
	case len(m.Recipients) == 0 || len(m.Recipients) > maxRcpts:
		return fmt.Errorf("spool: put %s: %d recipients, want 1-%d", m.ID, len(m.Recipients), maxRcpts)
	}
	return nil
}

var errDuplicate = errors.New("id already stored")

func (s *Store) exists(key []byte) (bool, error) {
	_, closer, err := s.db.Get(key)
	switch {
	case err == nil:
		return true, closer.Close()
	case errors.Is(err, pebble.ErrNotFound):
		return false, nil
	}
	return false, err
}

// writeErr wraps a failed write, mapping a full disk to ErrFull.
func writeErr(op string, id message.ID, err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("spool: %s %s: %w: %w", op, id, ErrFull, err)
	}
	return fmt.Errorf("spool: %s %s: %w", op, id, err)
}

// Message returns the envelope of a stored message.
func (s *Store) Message(id message.ID) (*message.Message, error) {
	var m *message.Message
	err := s.get(idKey(prefixMessage, id), func(v []byte) (err error) {
		m, err = decodeMessage(id, v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("spool: message %s: %w", id, err)
	}
	return m, nil
}

// Body returns a copy of the stored body.
func (s *Store) Body(id message.ID) ([]byte, error) {
	if err := s.gate.enter(); err != nil {
		return nil, err
	}
	defer s.gate.leave()
	var body []byte
	err := s.get(idKey(prefixBody, id), func(v []byte) error {
		body = append([]byte(nil), v...)
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		// Envelope and body are written in one batch and deleted in one:
		// an envelope without its body means the body was lost with a
		// damaged table.
		if found, _ := s.exists(idKey(prefixMessage, id)); found {
			err = fmt.Errorf("%w: the envelope is stored, the body is not", ErrCorrupt)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("spool: body %s: %w", id, err)
	}
	return body, nil
}

// get calls fn with the value of key, valid only during the call.
func (s *Store) get(key []byte, fn func(v []byte) error) error {
	if err := s.gate.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return corrupt(err)
	}
	defer closer.Close()
	return fn(v)
}

// Delete removes the envelope, the body and the states of a message; a
// message not stored is not an error. It is not synced: a crash may bring
// the message back, and the scheduler then delivers it again.
//
// A message this process Put and never wrote a state for (see stated) is
// deleted without reading: the caller deletes an ID minted here only after
// its Put, and once. (A second Delete of such an ID would write a second
// SingleDelete with no Set under it, which Pebble leaves undefined: the
// engine deletes a message once, when its last item is done.)
func (s *Store) Delete(id message.ID) error {
	if err := s.gate.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	defer s.exitOnPanic("delete")
	mkey := idKey(prefixMessage, id)
	stateless := s.stated.stateless(id)
	if !stateless {
		if found, err := s.exists(mkey); err != nil || !found {
			// Never SingleDelete a key without a Set under it: two
			// SingleDeletes of one key have no defined meaning.
			return err
		}
	}
	b := s.db.NewBatch()
	defer b.Close()
	// SingleDelete: the Set and the tombstone cancel out in the next flush
	// or compaction, so a delivered message leaves nothing behind.
	_ = b.SingleDelete(mkey, nil)
	_ = b.SingleDelete(idKey(prefixBody, id), nil)
	if !stateless {
		if err := s.deleteStates(b, id); err != nil {
			return fmt.Errorf("spool: delete %s: %w", id, err)
		}
	}
	if err := s.ledger.applyGone(s.db, b, 1, pebble.NoSync); err != nil {
		return writeErr("delete", id, err)
	}
	return nil
}

// deleteStates adds a Delete for every state key of id to b. States are
// overwritten as a recipient progresses, so they need full tombstones.
func (s *Store) deleteStates(b *pebble.Batch, id message.ID) error {
	lo := idKey(prefixState, id)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: upperBound(lo)})
	if err != nil {
		return err
	}
	for it.First(); it.Valid(); it.Next() {
		_ = b.Delete(it.Key(), nil)
	}
	return firstErr(it.Error(), it.Close())
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
