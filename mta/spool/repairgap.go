package spool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// The store's iterator stops at a damaged block, so the keys of the
// damaged table's range that lie between the damage seen forward and the
// damage seen backward cannot be read through it, though the tables
// (other levels, overlapping tables of level 0, and the damaged table
// itself, when the damage met first was another table's) may hold keys
// there: acknowledged messages the excise would delete. healthyKeys reads
// that gap from each table directly, forward until a damaged block, then
// backward until one, and merges them as the store would: the version
// with the highest sequence number wins (a newer level always holds
// higher ones; a table compacted to the last level holds 0), and a
// delete, a SingleDelete or a range deletion newer than a Set keeps the
// key deleted. What a damaged block held is unknown: a delete it held
// that shadowed an older Set is lost with it, and that Set comes back — a
// message delivered twice, never one lost.

// gapVersion is the newest version of a key read so far.
type gapVersion struct {
	seq   uint64
	live  bool
	value []byte
}

// gapTombstone is a range deletion: keys of [start, end) older than seq
// are deleted.
type gapTombstone struct {
	start, end []byte
	seq        uint64
}

// gapMerge collects the versions and range deletions of the gap.
type gapMerge struct {
	newest map[string]gapVersion
	dels   []gapTombstone
}

// healthyKeys returns the live keys of [lo, end) that the tables of db
// hold outside their damaged blocks, with their values.
func healthyKeys(db *pebble.DB, fs vfs.FS, dir string, po *pebble.Options, lo, end []byte) ([][2][]byte, error) {
	levels, err := db.SSTables()
	if err != nil {
		return nil, err
	}
	m := gapMerge{newest: map[string]gapVersion{}}
	for _, tables := range levels {
		for _, t := range tables {
			lower, upper, ok := clipToTable(t, lo, end)
			if !ok {
				continue
			}
			path := fs.PathJoin(dir, fmt.Sprintf("%06d.sst", uint64(t.BackingSSTNum)))
			// A read error keeps what was read: a damaged table gives
			// what it can (another is repaired in its turn).
			_ = m.readTable(fs, path, po, lower, upper)
		}
	}
	return m.live(), nil
}

// clipToTable returns [lo, end) cut to the bounds of table t (a virtual
// table's backing file holds keys beyond them).
func clipToTable(t pebble.SSTableInfo, lo, end []byte) ([]byte, []byte, bool) {
	lower, upper := lo, end
	if bytes.Compare(t.Smallest.UserKey, lower) > 0 {
		lower = t.Smallest.UserKey
	}
	tEnd := append(bytes.Clone(t.Largest.UserKey), 0)
	if t.Largest.IsExclusiveSentinel() {
		tEnd = t.Largest.UserKey
	}
	if bytes.Compare(tEnd, upper) < 0 {
		upper = tEnd
	}
	return lower, upper, bytes.Compare(lower, upper) < 0
}

// readTable adds the range deletions and the point keys of [lower,
// upper) of the table at path.
func (m *gapMerge) readTable(fs vfs.FS, path string, po *pebble.Options, lower, upper []byte) error {
	r, err := openTable(fs, path, po)
	if err != nil {
		return err
	}
	err = m.readRangeDels(r, lower, upper)
	return errors.Join(err, m.readPoints(r, lower, upper), r.Close())
}

func (m *gapMerge) readRangeDels(r *sstable.Reader, lower, upper []byte) error {
	it, err := r.NewRawRangeDelIter(context.Background(), sstable.NoFragmentTransforms, sstable.NoReadEnv)
	if err != nil || it == nil {
		return err
	}
	defer it.Close()
	s, err := it.First()
	for ; s != nil && err == nil; s, err = it.Next() {
		start, end := s.Start, s.End
		if bytes.Compare(start, lower) < 0 {
			start = lower
		}
		if bytes.Compare(end, upper) > 0 {
			end = upper
		}
		if bytes.Compare(start, end) < 0 && len(s.Keys) > 0 {
			m.dels = append(m.dels, gapTombstone{bytes.Clone(start), bytes.Clone(end), uint64(s.LargestSeqNum())})
		}
	}
	return err
}

// readPoints reads the point keys of [lower, upper) forward until a read
// fails, then backward from upper down to the last key read forward.
func (m *gapMerge) readPoints(r *sstable.Reader, lower, upper []byte) error {
	last, err := m.readPointsDir(r, lower, upper, true)
	if err == nil {
		return nil
	}
	if last != nil {
		lower = append(last, 0)
	}
	_, berr := m.readPointsDir(r, lower, upper, false)
	return errors.Join(err, berr)
}

// readPointsDir reads the point keys of [lower, upper) in one direction
// until the end or an error, and returns the last user key it read.
func (m *gapMerge) readPointsDir(r *sstable.Reader, lower, upper []byte, forward bool) ([]byte, error) {
	it, err := r.NewIter(sstable.NoTransforms, lower, upper, sstable.AssertNoBlobHandles)
	if err != nil {
		return nil, err
	}
	var last []byte
	kv, next := it.First(), it.Next
	if !forward {
		kv, next = it.SeekLT(upper, 0), it.Prev // an sstable iterator with an upper bound has no Last
	}
	for ; kv != nil; kv = next() {
		last = append(last[:0], kv.K.UserKey...)
		seq := uint64(kv.K.SeqNum())
		if old, ok := m.newest[string(kv.K.UserKey)]; ok && old.seq >= seq {
			continue
		}
		v := gapVersion{seq: seq}
		switch kv.K.Kind() {
		case pebble.InternalKeyKindSet, pebble.InternalKeyKindSetWithDelete, pebble.InternalKeyKindMerge:
			val, _, verr := kv.V.Value(nil)
			if verr != nil {
				continue // an unreadable value: the key stays as it was
			}
			v.live, v.value = true, bytes.Clone(val)
		}
		m.newest[string(kv.K.UserKey)] = v
	}
	return last, errors.Join(it.Error(), it.Close())
}

// live returns the keys whose newest version is a Set that no newer range
// deletion covers, in key order.
func (m *gapMerge) live() [][2][]byte {
	var out [][2][]byte
	for k, v := range m.newest {
		if v.live && !m.deleted([]byte(k), v.seq) {
			out = append(out, [2][]byte{[]byte(k), v.value})
		}
	}
	slices.SortFunc(out, func(a, b [2][]byte) int { return bytes.Compare(a[0], b[0]) })
	return out
}

func (m *gapMerge) deleted(k []byte, seq uint64) bool {
	for _, d := range m.dels {
		if d.seq > seq && bytes.Compare(d.start, k) <= 0 && bytes.Compare(k, d.end) < 0 {
			return true
		}
	}
	return false
}
