package spool

import (
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// unreadFS is the file system of the store the start checks and repairs
// (checkTables): a read of a block that the check found damaged fails at
// once, without reading it. Pebble would read it, find the checksum wrong
// and search it for a flipped bit, about 17 s of CPU per MiB of block; the
// repair reads the damaged table's range forward and backward through the
// store, so a damaged 50 MiB body held a start for tens of minutes. What
// the repair learns is the same: the read fails at the damaged block, and
// the blocks around it read.
//
// Pebble reads a table block with one ReadAt of exactly the block and its
// trailer (its readahead is a hint to the OS, or a second descriptor
// opened here too), so a read overlapping a damaged span is a read of
// that block.
type unreadFS struct {
	vfs.FS
	mu  sync.RWMutex
	bad map[string][]blockSpan // by path
}

// markDamaged makes reads of the blocks d names in the file at path fail.
func (u *unreadFS) markDamaged(path string, d *tableDamage) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.bad == nil {
		u.bad = make(map[string][]blockSpan)
	}
	u.bad[path] = append(u.bad[path], d.blocks...)
}

// damaged returns the damaged span of the file at path that [off, end)
// overlaps, if any.
func (u *unreadFS) damaged(path string, off, end uint64) (blockSpan, bool) {
	u.mu.RLock()
	defer u.mu.RUnlock()
	for _, s := range u.bad[path] {
		if off < s.end && s.off < end {
			return s, true
		}
	}
	return blockSpan{}, false
}

func (u *unreadFS) Open(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := u.FS.Open(name, opts...)
	if err != nil {
		return nil, err
	}
	return &unreadFile{File: f, fs: u, path: name}, nil
}

// unreadFile is a file of an unreadFS. The damaged spans are looked up at
// each read: the store may have opened the file before the check found
// them.
type unreadFile struct {
	vfs.File
	fs   *unreadFS
	path string
}

func (f *unreadFile) ReadAt(p []byte, off int64) (int, error) {
	if s, ok := f.fs.damaged(f.path, uint64(off), uint64(off)+uint64(len(p))); ok {
		// A corruption error, as Pebble's own would be: the store reports
		// it to its DataCorruption listener (Stats' Corruptions), the
		// offline walk steps over the range.
		return 0, fmt.Errorf("%w: %s: the block at %d failed its checksum when the tables were checked: not read again",
			pebble.ErrCorruption, f.fs.PathBase(f.path), s.off)
	}
	return f.File.ReadAt(p, off)
}
