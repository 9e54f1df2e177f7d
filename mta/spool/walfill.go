package spool

import (
	"sync"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// A synced commit costs one fdatasync of the WAL. Pebble preallocates a new
// WAL with fallocate, which leaves the blocks "unwritten": the first write
// into each one changes the file's extent map, and every fdatasync after it
// must write that metadata too, besides the data. On this class of machine
// (ext4 on a virtual disk) such an fdatasync costs about 150 µs of CPU and
// 340 µs of wall time against 85 and 160 µs for one that rewrites blocks
// already written (a recycled WAL). Pebble recycles WALs once a memtable
// has been flushed, so this is the price of every WAL created while none
// is recyclable: the first after a start, and each one a burst needs before
// flushes catch up.
//
// walFillFS makes each such WAL a rewrite too: before a write reaches past
// what the file holds, it writes zeros a little way ahead (walFillAhead),
// so the syncs that follow, one per commit group, find blocks already
// written and the file size unchanged; the extent change is paid once per
// walFillAhead instead of once per sync, by the sync after the fill. A
// zeroed tail beyond the last record is what Pebble already reads at the
// end of a preallocated or recycled WAL: replay stops there, as at a torn
// end, in the last WAL (and older WALs end with Pebble's EOF trailer, read
// before any zeros).
type walFillFS struct{ vfs.FS }

// walFillAhead is how far ahead of the last write the zeros reach: one
// sync in about 200 of 4 KiB messages writes this much more.
const walFillAhead = 1 << 20

// walCategory is the write category Pebble creates and reuses WALs with.
const walCategory vfs.DiskWriteCategory = "pebble-wal"

func (fs walFillFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, category)
	if err != nil || category != walCategory {
		return f, err
	}
	return &walFillFile{File: f}, nil
}

// ReuseForWrite recycles an old WAL: its blocks are written already, up to
// its size, so only writes beyond that are filled ahead.
func (fs walFillFS) ReuseForWrite(oldname, newname string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.ReuseForWrite(oldname, newname, category)
	if err != nil || category != walCategory {
		return f, err
	}
	wf := &walFillFile{File: f}
	if st, err := f.Stat(); err == nil {
		wf.filled = st.Size()
	}
	return wf, nil
}

// walFillFile is a WAL written sequentially from offset 0 by Pebble's log
// writer (one goroutine), with zeros written ahead of its end.
type walFillFile struct {
	vfs.File
	off    int64 // where the next Write goes
	filled int64 // the file holds written blocks (data or zeros) up to here
	failed bool  // a fill failed: no more (the WAL works as before)
}

func (f *walFillFile) Write(p []byte) (int, error) {
	if end := f.off + int64(len(p)); end > f.filled && !f.failed {
		f.fill(end)
	}
	n, err := f.File.Write(p)
	f.off += int64(n)
	return n, err
}

// fill writes zeros from past end (the data about to be written covers
// the rest) to walFillAhead beyond it. It never touches bytes before end,
// so it cannot overwrite a record. Filling is an optimisation only: on an
// error (a full disk) it stops, and Pebble's own write then meets the
// error and handles it as it would have.
func (f *walFillFile) fill(end int64) {
	from := max(f.filled, end)
	to := end + walFillAhead
	if _, err := f.File.WriteAt(walZeros()[:to-from], from); err != nil {
		f.failed = true
		return
	}
	f.filled = to
}

// walZeros is walFillAhead zero bytes, shared by every fill.
var walZeros = sync.OnceValue(func() []byte { return make([]byte, walFillAhead) })
