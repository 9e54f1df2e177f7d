package spool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// A damaged table must leave the store before anything else reads it:
// each read of the damaged block fails, and a compaction that meets it
// panics inside Pebble (its compaction iterator panics on a read error
// while eliding a SingleDelete), ending the process at every start. So Open
// first opens the store with automatic compactions off, checks the
// checksum of every block of every table, repairs each damaged table, and
// only then opens the store for service.
//
// Repairing a table, Postfix-like (a damaged queue file moves to
// corrupt/): its file is copied to corrupt/ with a note of why; every key
// of its key range that can still be read through the store (forward from
// the start of the range until the damage, backward from its end until the
// damage) is kept, and so is every live key that the other tables hold
// between the two (read from them directly, see repairgap.go: the excise
// below drops the range from every level, and an acknowledged message in a
// healthy table must not go with it); the range is excised (Pebble's
// Excise drops the table without reading it, and cuts the other tables at
// the range's edges); the kept keys are written back. What lay in the
// damaged block alone is gone; the envelopes among it are counted as
// missing by the first Scan.

// corruptDir is the directory, in the spool directory, where damaged
// tables are copied.
const corruptDir = "corrupt"

// verifyAndRepair checks every table of db and repairs the damaged ones.
// It returns a description of each repair. The checks run on every core
// (each table is read and checksummed on its own); the repairs, which
// change the store, one after the other, in level order as listed. When
// fs is the store's unreadFS, the damaged blocks are marked in it before
// the repairs read the store.
//
// Every damaged file is copied to corrupt/ before the first repair: a
// repair cuts its range out of every table, and may take another damaged
// table whole with it (its file then goes). Each repair works from the
// tables as they are when it starts, not as they were when checked: the
// tables the damaged file still backs (a repair before may have cut it
// into pieces, or cut it out).
func verifyAndRepair(db *pebble.DB, fs vfs.FS, dir string, po *pebble.Options) ([]string, error) {
	levels, err := db.SSTables()
	if err != nil {
		return nil, err
	}
	var checks []tableCheck
	checked := map[uint64]bool{}
	for level, tables := range levels {
		for _, t := range tables {
			num := uint64(t.BackingSSTNum)
			if checked[num] {
				continue
			}
			checked[num] = true
			checks = append(checks, tableCheck{level: level, t: t, path: fs.PathJoin(dir, fmt.Sprintf("%06d.sst", num))})
		}
	}
	validateAll(fs, po, checks)
	var damaged []*tableCheck
	for i := range checks {
		c := &checks[i]
		if c.err == nil {
			continue
		}
		var d *tableDamage
		if u, ok := fs.(*unreadFS); ok && errors.As(c.err, &d) {
			u.markDamaged(c.path, d)
		}
		saved, err := preserve(fs, dir, c.path, fmt.Sprintf("level %d, keys %s to %s: %v\n",
			c.level, keyString(c.t.Smallest.UserKey), keyString(c.t.Largest.UserKey), firstLine(c.err)))
		if err != nil {
			return nil, fmt.Errorf("keep %s: %w (after: %v)", c.path, err, c.err)
		}
		c.saved = saved
		damaged = append(damaged, c)
	}
	if len(damaged) > 0 {
		// The repairs read the tables directly (repairgap.go), and the
		// excise would flush what the memtables hold in the range and
		// cut it: first everything goes into tables.
		if err := db.Flush(); err != nil {
			return nil, fmt.Errorf("flush before the repairs: %w", err)
		}
	}
	var repairs []string
	for _, c := range damaged {
		note, err := repairFile(db, fs, dir, po, c)
		if err != nil {
			return repairs, fmt.Errorf("repair %s: %w (after: %v)", c.path, err, c.err)
		}
		repairs = append(repairs, note)
	}
	return repairs, nil
}

// repairFile repairs the tables the damaged file of c backs now.
func repairFile(db *pebble.DB, fs vfs.FS, dir string, po *pebble.Options, c *tableCheck) (string, error) {
	num := c.t.BackingSSTNum
	levels, err := db.SSTables()
	if err != nil {
		return "", err
	}
	what := fmt.Sprintf("table %s (level %d, keys %s to %s) failed its checksums (%s)",
		fs.PathBase(c.path), c.level, keyString(c.t.Smallest.UserKey), keyString(c.t.Largest.UserKey), firstLine(c.err))
	kept, pieces := 0, 0
	for level, tables := range levels {
		for _, t := range tables {
			if t.BackingSSTNum != num {
				continue
			}
			n, err := repairTable(db, fs, dir, po, t)
			if err != nil {
				return "", fmt.Errorf("level %d, keys %s to %s: %w", level, keyString(t.Smallest.UserKey), keyString(t.Largest.UserKey), err)
			}
			kept += n
			pieces++
		}
	}
	if pieces == 0 {
		return fmt.Sprintf("%s: cut out whole by the repair before, which kept the keys of its range that read; the file copied to %s",
			what, c.saved), nil
	}
	return fmt.Sprintf("%s: %d keys of its range kept, the file copied to %s", what, kept, c.saved), nil
}

// tableCheck is one table to check, and what its check found.
type tableCheck struct {
	level int
	t     pebble.SSTableInfo
	path  string
	err   error
	saved string // where the damaged file was copied
}

// validateAll runs validateTable on every check, GOMAXPROCS at a time.
func validateAll(fs vfs.FS, po *pebble.Options, checks []tableCheck) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(checks)) {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(checks)); i = next.Add(1) - 1 {
				checks[i].err = validateTable(fs, checks[i].path, po)
			}
		})
	}
	wg.Wait()
}

// openTable opens the table file at path directly, outside the store.
func openTable(fs vfs.FS, path string, po *pebble.Options) (*sstable.Reader, error) {
	f, err := fs.Open(path)
	if err != nil {
		return nil, err
	}
	readable, err := sstable.NewSimpleReadable(f)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	r, err := sstable.NewReader(context.Background(), readable, po.MakeReaderOptions())
	if err != nil {
		_ = readable.Close()
		return nil, err
	}
	return r, nil
}

// repairTable cuts the key range of table t out of the store, keeping
// the keys that read (see the top of this file); it returns how many.
func repairTable(db *pebble.DB, fs vfs.FS, dir string, po *pebble.Options, t pebble.SSTableInfo) (int, error) {
	lo := append([]byte(nil), t.Smallest.UserKey...)
	end := append(append([]byte(nil), t.Largest.UserKey...), 0) // exclusive
	kept, gapLo, gapEnd, err := readableKeys(db, lo, end)
	if err != nil {
		return 0, err
	}
	if bytes.Compare(gapLo, gapEnd) < 0 {
		healthy, err := healthyKeys(db, fs, dir, po, gapLo, gapEnd)
		if err != nil {
			return 0, fmt.Errorf("read the other tables: %w", err)
		}
		kept = append(kept, healthy...)
	}
	if err := db.Excise(context.Background(), pebble.KeyRange{Start: lo, End: end}); err != nil {
		return 0, fmt.Errorf("excise: %w", err)
	}
	b := db.NewBatch()
	defer b.Close()
	for _, kv := range kept {
		_ = b.Set(kv[0], kv[1], nil)
	}
	if err := db.Apply(b, pebble.Sync); err != nil {
		return 0, fmt.Errorf("write back: %w", err)
	}
	return len(kept), nil
}

// readableKeys returns the keys of [lo, end) that the store can still
// read, with their values: forward from lo until the first error, then
// backward from end down to the last key read forward. It also returns
// the gap [gapLo, gapEnd) between the damage met forward and the damage
// met backward, empty when the whole range read.
func readableKeys(db *pebble.DB, lo, end []byte) (kept [][2][]byte, gapLo, gapEnd []byte, err error) {
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: end})
	if err != nil {
		return nil, nil, nil, err
	}
	for it.First(); it.Valid(); it.Next() {
		v, verr := it.ValueAndErr()
		if verr != nil {
			break
		}
		kept = append(kept, [2][]byte{bytes.Clone(it.Key()), bytes.Clone(v)})
	}
	ferr := it.Error()
	_ = it.Close()
	if ferr == nil {
		return kept, nil, nil, nil // the whole range read: the damage is elsewhere in the table
	}
	stop := lo
	if len(kept) > 0 {
		stop = append(bytes.Clone(kept[len(kept)-1][0]), 0)
	}
	it, err = db.NewIter(&pebble.IterOptions{LowerBound: stop, UpperBound: end})
	if err != nil {
		return nil, nil, nil, err
	}
	var back [][2][]byte
	for it.Last(); it.Valid(); it.Prev() {
		v, verr := it.ValueAndErr()
		if verr != nil {
			break
		}
		back = append(back, [2][]byte{bytes.Clone(it.Key()), bytes.Clone(v)})
	}
	_ = it.Close()
	gapEnd = end
	if len(back) > 0 {
		gapEnd = back[len(back)-1][0]
	}
	return append(kept, back...), stop, gapEnd, nil
}

// preserve copies the damaged table to corrupt/ with a note beside it,
// and returns the copy's path.
func preserve(fs vfs.FS, dir, path, note string) (string, error) {
	cdir := fs.PathJoin(dir, corruptDir)
	if err := fs.MkdirAll(cdir, 0o750); err != nil {
		return "", err
	}
	dst := fs.PathJoin(cdir, fs.PathBase(path))
	if err := copyFile(fs, path, dst); err != nil {
		return "", err
	}
	f, err := fs.Create(dst+".txt", vfs.WriteCategoryUnspecified)
	if err != nil {
		return "", err
	}
	_, err = io.WriteString(f, note)
	if err == nil {
		err = f.Sync()
	}
	return dst, errors.Join(err, f.Close())
}

func copyFile(fs vfs.FS, src, dst string) error {
	in, err := fs.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := fs.Create(dst, vfs.WriteCategoryUnspecified)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	return errors.Join(err, out.Close())
}

// firstLine is the first line of an error's text (Pebble's corruption
// errors carry detail lines).
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return strings.TrimPrefix(s, "pebble: file 000000: ") // the table reader's, which knows no number
}
