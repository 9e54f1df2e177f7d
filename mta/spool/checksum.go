package spool

import (
	"cmp"
	"encoding/binary"
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
// window at a time. It computes each checksum once and compares: Pebble's
// own ValidateChecksum, on a mismatch, also searches the block for a
// single flipped bit, recomputing the checksum of the whole block for
// each of the first 327,680 bits, which takes about 17 s of CPU per MiB
// of block (a large body is one block). It goes on past a damaged block,
// so that the repair knows every damaged block of the table (see
// unreadFS): the error is a *tableDamage.
func checkBlocks(f vfs.File, hs []block.Handle, typ block.ChecksumType) error {
	var buf []byte
	var start uint64 // file offset of buf[0]
	var damage *tableDamage
	if typ != block.ChecksumTypeCRC32c && typ != block.ChecksumTypeXXHash64 {
		return fmt.Errorf("unsupported checksum type %d", typ)
	}
	cs := block.Checksummer{Type: typ}
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
				return errors.Join(fmt.Errorf("read block at %d: %w", h.Offset, cmp.Or(err, errors.New("short read"))), damage.orNil())
			}
			buf, start = buf[:got], h.Offset
		}
		b := buf[h.Offset-start : end-start]
		want := binary.LittleEndian.Uint32(b[h.Length+1:])
		if got := cs.Checksum(b[:h.Length], b[h.Length]); got != want {
			if damage == nil {
				// The text of Pebble's corruption error, which the
				// repair notes and `wasmta spool check` show.
				damage = &tableDamage{first: fmt.Errorf("block at %d: block %d/%d: %s checksum mismatch %x != %x",
					h.Offset, h.Offset, h.Length, typ, want, got)}
			}
			damage.blocks = append(damage.blocks, blockSpan{h.Offset, end})
		}
	}
	return damage.orNil()
}

// blockSpan is the bytes of a block and its trailer in a table file:
// [off, end).
type blockSpan struct{ off, end uint64 }

// tableDamage is what checkBlocks found: every block that failed its
// checksum. Its text is the first one's.
type tableDamage struct {
	first  error
	blocks []blockSpan
}

func (d *tableDamage) Error() string {
	if len(d.blocks) > 1 {
		return fmt.Sprintf("%v (and %d more damaged blocks)", d.first, len(d.blocks)-1)
	}
	return d.first.Error()
}

// orNil returns d as an error, nil when there is no damage (a nil
// *tableDamage in an error interface is not nil).
func (d *tableDamage) orNil() error {
	if d == nil {
		return nil
	}
	return d
}
