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
// corrupt/ with a note and the store opened without it: the messages it
// held are lost (the ledger counts them at the first Scan and the start
// reports them), every other message is served.

// maxWALRepairs bounds the WALs one Open may move aside.
const maxWALRepairs = 8

// openMovingDamagedWALs opens Pebble, moving a damaged WAL aside and
// trying again when the replay fails on one. It returns the moves made.
func openMovingDamagedWALs(dir string, fs vfs.FS, po *pebble.Options, log *slog.Logger) (*pebble.DB, []string, error) {
	var moved []string
	for {
		db, err := pebble.Open(dir, po)
		if err == nil || !walReplayCorruption(err) || len(moved) == maxWALRepairs {
			return db, moved, err
		}
		path, why := damagedWAL(fs, dir)
		if path == "" {
			return nil, moved, err
		}
		note := fmt.Sprintf("%s: %s; Pebble: %v", fs.PathBase(path), why, firstLine(err))
		dst, merr := moveToCorrupt(fs, dir, path, note+"\n")
		if merr != nil {
			return nil, moved, errors.Join(err, merr)
		}
		log.Error("spool: damaged WAL moved aside, the messages in it are lost", "wal", path, "to", dst, "why", why)
		moved = append(moved, fmt.Sprintf("WAL %s could not be replayed (%s): moved to %s", fs.PathBase(path), why, dst))
	}
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
		if err == nil {
			_, err = io.Copy(io.Discard, rec)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
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
