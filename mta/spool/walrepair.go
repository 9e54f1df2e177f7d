package spool

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/record"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// A WAL with damaged bytes (not only a torn end, which Pebble accepts in
// the last WAL) makes Pebble refuse to open the store at all: every start
// would fail the same way. Postfix-like, the damaged WAL is moved to
// corrupt/ with a note, and a WAL of the records that read before the
// damage takes its place (each record is a whole batch: a Put keeps its
// envelope and body together): only the messages from the damage on are
// lost (the ledger counts them at the first Scan and the start reports
// them), every other message is served.

// maxWALRepairs bounds the WALs one Open may move aside.
const maxWALRepairs = 8

// openMovingDamagedWALs opens Pebble, moving a damaged WAL aside and
// trying again when the replay fails on one. It returns the moves made.
func openMovingDamagedWALs(dir string, fs vfs.FS, po *pebble.Options, log *slog.Logger) (*pebble.DB, []string, error) {
	var moved []string
	var rewritten []string // WALs written back from the records before their damage
	for {
		db, err := pebble.Open(dir, po)
		if err == nil || !walReplayCorruption(err) || len(moved) == maxWALRepairs {
			return db, moved, err
		}
		path, why := damagedWAL(fs, dir)
		if path == "" && len(rewritten) > 0 {
			// Pebble refuses a WAL written back though it reads: drop them
			// (the originals are in corrupt/), as before the write-back.
			for _, p := range rewritten {
				_ = fs.Remove(p)
			}
			rewritten = nil
			continue
		}
		if path == "" {
			return nil, moved, err
		}
		note := fmt.Sprintf("%s: %s; Pebble: %v", fs.PathBase(path), why, firstLine(err))
		dst, merr := moveToCorrupt(fs, dir, path, note+"\n")
		if merr != nil {
			return nil, moved, errors.Join(err, merr)
		}
		kept, kerr := keepReadable(fs, dst, path)
		if kerr != nil {
			log.Error("spool: damaged WAL: cannot write back the records before the damage", "wal", path, "err", kerr)
			_ = fs.Remove(path)
			kept = 0
		}
		if kept > 0 {
			rewritten = append(rewritten, path)
		}
		log.Error("spool: damaged WAL moved aside, the messages from the damage on are lost", "wal", path, "to", dst,
			"why", why, "records_kept", kept)
		moved = append(moved, fmt.Sprintf("WAL %s could not be replayed (%s): moved to %s, %d records before the damage kept",
			fs.PathBase(path), why, dst, kept))
	}
}

// keepReadable writes, at path, a WAL of the records of the damaged WAL
// src that read before the damage, synced, and returns how many. With
// none, it writes nothing.
func keepReadable(fs vfs.FS, src, path string) (int, error) {
	num, err := strconv.ParseUint(strings.TrimSuffix(fs.PathBase(path), ".log"), 10, 64)
	if err != nil {
		return 0, err
	}
	var recs [][]byte
	_ = eachWALRecord(fs, src, num, func(rec []byte) { recs = append(recs, rec) })
	if len(recs) == 0 {
		return 0, nil
	}
	f, err := fs.Create(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		return 0, err
	}
	w := record.NewWriter(f)
	for _, rec := range recs {
		if _, err = w.WriteRecord(rec); err != nil {
			break
		}
	}
	err = errors.Join(err, w.Close())
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return 0, err
	}
	d, err := fs.OpenDir(fs.PathDir(path))
	if err != nil {
		return 0, err
	}
	return len(recs), errors.Join(d.Sync(), d.Close())
}

func walReplayCorruption(err error) bool {
	return pebble.IsCorruptionError(err) && strings.Contains(err.Error(), "error when replaying WAL")
}

// damagedWAL returns the first WAL of dir, in number order, that does not
// read to its end, and why; the last WAL may end torn.
func damagedWAL(fs vfs.FS, dir string) (string, string) {
	names, err := fs.List(dir)
	if err != nil {
		return "", ""
	}
	var wals []string
	for _, n := range names {
		if strings.HasSuffix(n, ".log") {
			wals = append(wals, n)
		}
	}
	slices.Sort(wals) // zero-padded numbers: name order is number order
	for i, n := range wals {
		num, err := strconv.ParseUint(strings.TrimSuffix(n, ".log"), 10, 64)
		if err != nil {
			continue
		}
		path := fs.PathJoin(dir, n)
		if err := readWAL(fs, path, num); err != nil {
			last := i == len(wals)-1
			if last && errors.Is(err, record.ErrUnexpectedEOF) {
				continue // a torn end: Pebble replays up to it
			}
			return path, err.Error()
		}
	}
	return "", ""
}

// readWAL reads every record of a WAL.
func readWAL(fs vfs.FS, path string, num uint64) error {
	return eachWALRecord(fs, path, num, func([]byte) {})
}

// eachWALRecord calls fn with each record of a WAL, in order, until its
// end (nil) or the first that does not read (its error).
func eachWALRecord(fs vfs.FS, path string, num uint64, fn func([]byte)) error {
	f, err := fs.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var logNum = pebble.SSTableInfo{}.BackingSSTNum // Pebble's file number type, which is internal
	setFileNum(&logNum, num)
	r := record.NewReader(f, logNum)
	for {
		rec, err := r.Next()
		var b []byte
		if err == nil {
			b, err = io.ReadAll(rec)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		fn(b)
	}
}

// setFileNum sets a Pebble file number from a uint64 without naming its
// type, which lives in an internal package.
func setFileNum[T ~uint64](n *T, v uint64) { *n = T(v) }

// moveToCorrupt renames path into corrupt/ (the same filesystem: no space
// needed) with a note beside it, and returns the new path.
func moveToCorrupt(fs vfs.FS, dir, path, note string) (string, error) {
	cdir := fs.PathJoin(dir, corruptDir)
	if err := fs.MkdirAll(cdir, 0o750); err != nil {
		return "", err
	}
	dst := fs.PathJoin(cdir, fs.PathBase(path))
	if err := fs.Rename(path, dst); err != nil {
		return "", err
	}
	f, err := fs.Create(dst+".txt", vfs.WriteCategoryUnspecified)
	if err != nil {
		return dst, err
	}
	_, err = io.WriteString(f, note)
	if err == nil {
		err = f.Sync()
	}
	return dst, errors.Join(err, f.Close())
}
