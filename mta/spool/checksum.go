package spool

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/sstable/block"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// checkWindow is how much of a table validateTable reads at once: blocks
// are a few KiB, and one read per block was most of the system time of a
// start.
const checkWindow = 1 << 20

// validateTable checks the checksum of every block of the table at path:
// the blocks ValidateBlockChecksums checks, read in file order a window at
// a time and checked as stored, without decompressing them. A block's
// checksum covers its stored (compressed) bytes and its compression type,
// so this finds what ValidateBlockChecksums finds; the decompression it
// would add was half of a start's CPU with a million messages queued.
func validateTable(fs vfs.FS, path string, po *pebble.Options) error {
	r, err := openTable(fs, path, po)
	if err != nil {
		return err
	}
	defer r.Close()
	l, err := r.Layout()
	if err != nil {
		return err
	}
	f, err := fs.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return checkBlocks(f, tableBlocks(l), r.BlockReader().ChecksumType())
}

// tableBlocks lists the blocks of a table that carry a checksum, in file
// order (the footer carries none).
func tableBlocks(l *sstable.Layout) []block.Handle {
	hs := make([]block.Handle, 0, len(l.Data)+len(l.Index)+8)
	for _, d := range l.Data {
		hs = append(hs, d.Handle)
	}
	hs = append(hs, l.Index...)
	for _, f := range l.Filter {
		hs = append(hs, f.Handle)
	}
	hs = append(hs, l.TopIndex, l.RangeDel, l.RangeKey, l.Properties, l.MetaIndex, l.BlobReferenceIndex)
	hs = slices.DeleteFunc(hs, func(h block.Handle) bool { return h.Length == 0 })
	slices.SortFunc(hs, func(a, b block.Handle) int { return cmp.Compare(a.Offset, b.Offset) })
	return slices.CompactFunc(hs, func(a, b block.Handle) bool { return a.Offset == b.Offset })
}

// checkBlocks validates each block of hs (sorted by offset), reading f a
// window at a time.
func checkBlocks(f vfs.File, hs []block.Handle, typ block.ChecksumType) error {
	var buf []byte
	var start uint64 // file offset of buf[0]
	for _, h := range hs {
		end := h.Offset + h.Length + block.TrailerLen
		if h.Offset < start || end > start+uint64(len(buf)) {
			n := max(checkWindow, end-h.Offset)
			if uint64(cap(buf)) < n {
				buf = make([]byte, n)
			}
			buf = buf[:n]
			got, err := f.ReadAt(buf, int64(h.Offset))
			if got < int(end-h.Offset) {
				return fmt.Errorf("read block at %d: %w", h.Offset, cmp.Or(err, errors.New("short read")))
			}
			buf, start = buf[:got], h.Offset
		}
		b := buf[h.Offset-start : end-start]
		if err := block.ValidateChecksum(typ, b, h); err != nil {
			return fmt.Errorf("block at %d: %w", h.Offset, err)
		}
	}
	return nil
}
