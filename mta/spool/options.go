package spool

import (
	"log/slog"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Options configures a Store. The zero value is a sensible production
// setting.
type Options struct {
	// MinFreeBytes: Put refuses with ErrFull while the filesystem holding
	// the spool has less free space. 0 means 256 MiB; -1 turns the check off
	// (the ballast below still catches a real ENOSPC).
	MinFreeBytes int64
	// BallastBytes is the size of an emergency reserve file kept in the
	// spool directory. When a write meets ENOSPC anyway (another process
	// filled the disk between two checks, or MinFreeBytes is -1) the ballast
	// is deleted so that the write, and the flushes and deliveries that
	// follow, can finish; the store then refuses Puts until the space is
	// back. 0 means 64 MiB (more than one memtable, so a flush in progress
	// always fits); -1 means no ballast.
	BallastBytes int64
	Logger       *slog.Logger
	// FS is the filesystem under the store: nil is the real disk; tests
	// wrap it to inject faults.
	FS vfs.FS
	// CacheSize is Pebble's block cache. 0 means 64 MiB: it mostly holds
	// bodies read for delivery and the envelopes read at start.
	CacheSize int64

	// memTableSize overrides the memtable size; tests use it to fill a small
	// filesystem quickly.
	memTableSize int64
}

const (
	defaultMinFree   = 256 << 20
	defaultBallast   = 64 << 20
	defaultCache     = 64 << 20
	defaultMemTable  = 32 << 20
	freeCheckPeriod  = 250 * time.Millisecond
	freeCheckWritten = 8 << 20 // bytes written that force a fresh statfs
	ackFileEvery     = 4       // freeCheckPeriods between two ACKNOWLEDGED writes (1 s)
)

func (o Options) withDefaults() Options {
	if o.MinFreeBytes == 0 {
		o.MinFreeBytes = defaultMinFree
	}
	if o.BallastBytes == 0 {
		o.BallastBytes = defaultBallast
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.CacheSize <= 0 {
		o.CacheSize = defaultCache
	}
	if o.memTableSize <= 0 {
		o.memTableSize = defaultMemTable
	}
	return o
}

// pebbleOptions tunes Pebble for a spool: small values (envelopes, states)
// and 1-32 KiB bodies that mostly live seconds, every reception synced.
func (o Options) pebbleOptions(fs vfs.FS, logger pebble.Logger, dmg *damage) *pebble.Options {
	po := &pebble.Options{
		FS:     fs,
		Logger: logger,
		// Pin the on-disk format: the default may change between releases
		// and a spool must open with the release that wrote it.
		FormatMajorVersion: pebble.FormatNewest,
		CacheSize:          o.CacheSize,
		// 32 MiB (Pebble's default is 4 MiB) holds several thousand
		// messages: most are delivered and deleted while still in the
		// memtable, and a Set annihilated by a SingleDelete in the same
		// memtable never reaches an sstable. Memory stays bounded: the arena
		// fills as written, and at most MemTableStopWritesThreshold of them
		// exist at once.
		MemTableSize: uint64(o.memTableSize),
		// Four memtables absorb a burst while a flush runs on a slow disk
		// before receptions stall (Pebble's default is two).
		MemTableStopWritesThreshold: 4,
		// Compact L0 early (default 4) but stall writers late: tombstones
		// from deliveries make L0 files cheap to compact, and a stalled
		// reception answers nothing until the stall ends.
		L0CompactionThreshold: 4,
		L0StopWritesThreshold: 24,
		// Two compactions at most: the machine also runs reception,
		// delivery and the wasm policies.
		CompactionConcurrencyRange: func() (int, int) { return 1, 2 },
		// Every reception commit is synced, so background WAL syncing
		// (WALBytesPerSync) would only add fsyncs; it stays 0. WAL recycling
		// stays on (Pebble's default): a recycled file has its blocks
		// allocated already, so each fdatasync writes data only, no inode
		// size update, which is most of the cost of a small synced commit.
		WALBytesPerSync: 0,
		EventListener: &pebble.EventListener{
			// Fires when a SingleDelete met a key Set twice: the envelope
			// immutability that Delete relies on was broken (see doc.go).
			PossibleAPIMisuse: func(info pebble.PossibleAPIMisuseInfo) {
				logger.Errorf("spool: %s", info)
			},
			// Pebble's default ends the process (Fatalf): every delivery
			// that read the damaged table would crash wasmta again.
			DataCorruption: dmg.corruption,
		},
	}
	for i := range po.Levels {
		// The duplicate-ID check in Put (for IDs from elsewhere), Delete's
		// and every Get of a deleted message look up absent keys: a bloom
		// filter answers those without reading data blocks.
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	return po
}
