package spool

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2/vfs"
)

const ballastName = "EMERGENCY_BALLAST" // no dot: Pebble ignores the file

// space decides whether Put may write. It keeps the free space of the
// spool's filesystem in memory (statfs every freeCheckPeriod, or sooner when
// the bytes written since the last look could have crossed the threshold),
// so the common Put reads two atomics and makes no syscall.
type space struct {
	fs          vfs.FS // the filesystem under the ENOSPC wrapper
	dir         string
	ballastPath string
	minFree     int64 // < 0: no threshold
	ballastSize int64 // <= 0: no ballast
	log         *slog.Logger

	full    atomic.Bool  // a write met ENOSPC; cleared once space is back
	free    atomic.Int64 // available bytes at the last statfs
	written atomic.Int64 // bytes committed since the last statfs

	statMu      sync.Mutex // one statfs at a time
	statFailing bool
	// ballastMu orders ballast changes with the full flag: a restore that
	// rebuilds the ballast and clears full cannot interleave with an ENOSPC
	// that removes it and sets full.
	ballastMu sync.Mutex
}

func newSpace(o Options, dir string) *space {
	return &space{
		fs: o.FS, dir: dir, ballastPath: o.FS.PathJoin(dir, ballastName),
		minFree: o.MinFreeBytes, ballastSize: o.BallastBytes, log: o.Logger,
	}
}

// admit returns an ErrFull error when a Put must be refused.
func (sp *space) admit() error {
	if sp.full.Load() {
		return fmt.Errorf("%w: the disk filled up; refusing messages until space is freed", ErrFull)
	}
	if sp.minFree < 0 || sp.free.Load()-sp.written.Load() >= sp.minFree {
		return nil
	}
	// The estimate says we may have crossed the threshold: look again
	// rather than refuse on a guess.
	sp.refresh()
	if free := sp.free.Load(); free < sp.minFree {
		return fmt.Errorf("%w: %d bytes free, %d required", ErrFull, free, sp.minFree)
	}
	return nil
}

// refusing reports, without a syscall, whether admit would refuse now.
func (sp *space) refusing() bool {
	return sp.full.Load() || sp.minFree >= 0 && sp.free.Load()-sp.written.Load() < sp.minFree
}

// wrote counts a batch of n bytes against the free space. A batch is on
// disk twice for a while, in the WAL and then in the sstable its memtable
// is flushed to, until the WAL is deleted; counting it once let a fast
// writer (a few MB between two statfs) run into ENOSPC under an 8 MiB
// threshold, spending the ballast that is meant for what cannot be
// counted (compactions).
func (sp *space) wrote(n int64) { sp.written.Add(2 * n) }

// refresh reads the free space of the filesystem.
func (sp *space) refresh() {
	sp.statMu.Lock()
	defer sp.statMu.Unlock()
	before := sp.written.Load()
	du, err := sp.fs.GetDiskUsage(sp.dir)
	if err != nil {
		// Unknown free space must not stop reception: ENOSPC and the
		// ballast still protect the store.
		if !sp.statFailing {
			sp.log.Warn("spool: cannot read free disk space", "dir", sp.dir, "err", err)
		}
		sp.statFailing = true
		sp.free.Store(math.MaxInt64 / 2)
		return
	}
	sp.statFailing = false
	sp.free.Store(int64(min(du.AvailBytes, math.MaxInt64/2)))
	sp.written.Add(-before)
}

// onDiskFull runs when a write meets ENOSPC, while Pebble's other writes
// wait. It must be quick: it releases the ballast so that the write can be
// retried, and marks the store full so that no new message adds to the
// problem. Deliveries and deletes go on, which is how space comes back.
func (sp *space) onDiskFull() {
	sp.ballastMu.Lock()
	defer sp.ballastMu.Unlock()
	first := !sp.full.Swap(true)
	err := sp.fs.Remove(sp.ballastPath)
	if first || err == nil {
		sp.log.Error("spool: disk full, refusing new messages", "dir", sp.dir,
			"ballast_released", err == nil, "ballast_bytes", sp.ballastSize)
	}
}

// maybeRestore clears the full state once there is room for the ballast and
// the free-space threshold again, with the ballast rebuilt.
func (sp *space) maybeRestore() {
	if !sp.full.Load() {
		return
	}
	need := max(sp.minFree, 0) + 2*max(sp.ballastSize, 0)
	if need == 0 {
		need = defaultBallast
	}
	if sp.free.Load() < need {
		return
	}
	sp.ballastMu.Lock()
	defer sp.ballastMu.Unlock()
	if err := sp.ensureBallastLocked(); err != nil {
		return
	}
	sp.full.Store(false)
	sp.log.Info("spool: disk space is back, accepting messages", "dir", sp.dir, "free_bytes", sp.free.Load())
}

// ensureBallast creates the ballast file when it is missing or short. It is
// filled with random bytes: zeros could be compressed or deduplicated away
// by the filesystem and reserve nothing. On failure the store is marked full.
func (sp *space) ensureBallast() error {
	sp.ballastMu.Lock()
	defer sp.ballastMu.Unlock()
	return sp.ensureBallastLocked()
}

func (sp *space) ensureBallastLocked() error {
	if sp.ballastSize <= 0 {
		return nil
	}
	if fi, err := sp.fs.Stat(sp.ballastPath); err == nil && fi.Size() == sp.ballastSize {
		return nil
	}
	err := sp.writeBallast()
	if err != nil {
		_ = sp.fs.Remove(sp.ballastPath)
		sp.full.Store(true)
		sp.log.Error("spool: cannot create the ballast file, refusing new messages",
			"path", sp.ballastPath, "bytes", sp.ballastSize, "err", err)
	}
	return err
}

func (sp *space) writeBallast() error {
	f, err := sp.fs.Create(sp.ballastPath, vfs.WriteCategoryUnspecified)
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	rng := rand.NewChaCha8([32]byte{'w', 'a', 's', 'm', 't', 'a'})
	for left := sp.ballastSize; left > 0 && err == nil; left -= int64(len(buf)) {
		_, _ = rng.Read(buf)
		_, err = f.Write(buf[:min(left, int64(len(buf)))])
	}
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
