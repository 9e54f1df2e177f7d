package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// The ledger counts, durably, the messages the spool acknowledged and
// those that left it, so that a start can tell how many envelopes it must
// find (see "Loss detection" in doc.go):
//
//	c/acked   messages acknowledged by Put, ever (uint64, big-endian)
//	c/gone    messages deleted, quarantined or written off as lost
//
// Each counter is written in the batch that changes it, so the counters
// and the envelopes they count always come back together from the WAL.
// The counter values must also be written in commit order, or the last
// value in the WAL could be a smaller one from a batch that raced: the
// ledger's mutex covers taking the next value and entering Pebble's commit
// pipeline (ApplyNoSyncWait, which returns before the fsync), so Puts still
// share fsyncs.
//
// A WAL that lost its tail (a truncated file, a torn last write) takes the
// counters back with the envelopes, so the in-store figures cannot show
// that loss: the acknowledged count is also kept outside Pebble, in the
// ACKNOWLEDGED file, rewritten every second while it changes and at Close.
var (
	ackedKey = []byte("c/acked")
	goneKey  = []byte("c/gone")
)

// ackFileName is the file outside Pebble holding the acknowledged count.
// No dot or number in the name: Pebble ignores it.
const ackFileName = "ACKNOWLEDGED"

type ledger struct {
	mu      sync.Mutex
	acked   uint64
	gone    uint64
	started bool // the counters were in the store at Open (else: a spool from before the ledger)
	// synced is the highest acknowledged count whose WAL sync returned: what
	// ACKNOWLEDGED may hold. acked also counts Puts committed and not yet
	// synced (their client has no 250 yet): written to the file, a crash
	// before their sync would report them as a lost WAL tail.
	synced uint64

	// deficit is how far the store's count fell short of ACKNOWLEDGED at
	// Open (a lost WAL tail), until the first full scan reports it
	// (reconcile): the file keeps counting it meanwhile, while messages are
	// acknowledged beside that scan (the engine's rebuild), so that a
	// process that dies before the scan ends leaves it to the next start.
	deficit uint64

	fileMu    sync.Mutex // one ACKNOWLEDGED write at a time
	fileAcked uint64     // the value in ACKNOWLEDGED at Open (0: none), then the last written
	hadFile   bool
	// The file at Open, which the first full scan compares with.
	openFile    uint64
	openHadFile bool
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// load reads the counters from the store and the ACKNOWLEDGED file.
func (l *ledger) load(db *pebble.DB, fs vfs.FS, dir string) error {
	acked, okA, err := readCounter(db, ackedKey)
	if err != nil {
		return err
	}
	gone, _, err := readCounter(db, goneKey)
	if err != nil {
		return err
	}
	l.acked, l.gone, l.started, l.synced = acked, gone, okA, acked
	l.fileAcked, l.hadFile, err = readAckFile(fs, fs.PathJoin(dir, ackFileName))
	l.openFile, l.openHadFile = l.fileAcked, l.hadFile
	if l.hadFile && l.fileAcked > acked {
		l.deficit = l.fileAcked - acked
	}
	return err
}

func readCounter(db *pebble.DB, key []byte) (uint64, bool, error) {
	v, closer, err := db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read %s: %w", key, err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, false, fmt.Errorf("read %s: %d bytes, want 8", key, len(v))
	}
	return binary.BigEndian.Uint64(v), true, nil
}

// readAckFile reads "acked N" from ACKNOWLEDGED; a missing file is 0.
func readAckFile(fs vfs.FS, path string) (uint64, bool, error) {
	f, err := fs.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, false, nil
		}
		return 0, false, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 256))
	if err != nil {
		return 0, false, fmt.Errorf("read %s: %w", path, err)
	}
	n, err := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(string(data), "acked")), 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("read %s: %q is not \"acked N\"", path, data)
	}
	return n, true, nil
}

// writeAckFile replaces ACKNOWLEDGED with the count, synced, when it
// differs from what the file holds: write a temporary file, sync it,
// rename it over, sync the directory. The count is read under the file's
// mutex, so that the last write holds the latest count.
func (l *ledger) writeAckFile(fs vfs.FS, dir string, count func() uint64) error {
	l.fileMu.Lock()
	defer l.fileMu.Unlock()
	n := count()
	if l.hadFile && n == l.fileAcked {
		return nil
	}
	path := fs.PathJoin(dir, ackFileName)
	tmp := path + "-new"
	f, err := fs.Create(tmp, vfs.WriteCategoryUnspecified)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "acked %d\n", n)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return err
	}
	if err := fs.Rename(tmp, path); err != nil {
		return err
	}
	d, err := fs.OpenDir(dir)
	if err != nil {
		return err
	}
	if err := errors.Join(d.Sync(), d.Close()); err != nil {
		return err
	}
	l.fileAcked, l.hadFile = n, true
	return nil
}

// putAcked commits b, a Put's batch, with the next acknowledged count, and
// waits for its sync outside the ledger's mutex. A failed sync ends the
// process, as Pebble's Apply does (see "Full disk" in doc.go): after a
// failed fsync nothing written since the last good one can be trusted.
func (l *ledger) putAcked(db *pebble.DB, b *pebble.Batch, log *slog.Logger) error {
	l.mu.Lock()
	next := l.acked + 1
	_ = b.Set(ackedKey, u64(next), nil)
	// ApplyNoSyncWait is marked experimental by Pebble; it is what
	// CockroachDB commits with, and the only way to order the counter
	// without giving up group commit.
	err := db.ApplyNoSyncWait(b, pebble.Sync)
	if err == nil {
		l.acked = next
	}
	l.mu.Unlock()
	if err != nil {
		return err
	}
	if err := b.SyncWait(); err != nil {
		die(log, fmt.Sprintf("put: WAL sync: %v", err), nil)
	}
	// The WAL syncs in commit order: every count up to next is durable.
	l.mu.Lock()
	l.synced = max(l.synced, next)
	l.mu.Unlock()
	return nil
}

// applyGone commits b, which removes n messages, with the gone count.
func (l *ledger) applyGone(db *pebble.DB, b *pebble.Batch, n uint64, opt *pebble.WriteOptions) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	next := l.gone + n
	_ = b.Set(goneKey, u64(next), nil)
	if err := db.Apply(b, opt); err != nil {
		return err
	}
	l.gone = next
	return nil
}

// fileCount is what ACKNOWLEDGED holds: the acknowledged count whose
// Puts are all synced, plus a WAL tail lost at Open and not yet reported.
func (l *ledger) fileCount() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.synced + l.deficit
}

// counts returns the acknowledged and gone counts.
func (l *ledger) counts() (acked, gone uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acked, l.gone
}
