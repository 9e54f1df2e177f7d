// Package spooldamage breaks a stopped spool's files on disk, as a failing
// disk or a mistaken operator would, for the tests that show wasmta
// reports the loss and delivers the rest: it flushes the WAL into a table
// and overwrites bytes inside one data block of a table. It is test code;
// nothing in the MTA imports it.
package spooldamage

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Files returns the paths in dir with the given extension (".log",
// ".sst"), in name order, which is creation order.
func Files(dir, ext string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*"+ext))
	slices.Sort(paths)
	return paths, err
}

// Flush opens the stopped Pebble store in dir, flushes its memtables into
// tables and closes it, so that what the WAL held is in a table to damage.
func Flush(dir string) error {
	db, err := pebble.Open(dir, &pebble.Options{ErrorIfNotExists: true})
	if err != nil {
		return fmt.Errorf("spooldamage: open %s: %w", dir, err)
	}
	if err := db.Flush(); err != nil {
		_ = db.Close()
		return fmt.Errorf("spooldamage: flush %s: %w", dir, err)
	}
	return db.Close()
}

// Block describes the data block Damage overwrote.
type Block struct {
	Index, Blocks  int // which block, of how many
	Offset, Length uint64
}

// Damage overwrites 8 bytes in the middle of data block i of the table at
// path (counted from the end when negative), so that the block fails its
// checksum. Keys sort "b/" (bodies) before "m/" (envelopes) and "r/"
// (states): block 0 holds bodies, the last block envelopes or states.
func Damage(path string, i int) (Block, error) {
	f, err := vfs.Default.Open(path)
	if err != nil {
		return Block{}, err
	}
	readable, err := sstable.NewSimpleReadable(f)
	if err != nil {
		_ = f.Close()
		return Block{}, err
	}
	r, err := sstable.NewReader(context.Background(), readable, sstable.ReaderOptions{})
	if err != nil {
		_ = readable.Close()
		return Block{}, err
	}
	layout, err := r.Layout()
	_ = r.Close()
	if err != nil {
		return Block{}, err
	}
	if i < 0 {
		i += len(layout.Data)
	}
	if i < 0 || i >= len(layout.Data) {
		return Block{}, fmt.Errorf("spooldamage: %s has %d data blocks, no block %d", path, len(layout.Data), i)
	}
	h := layout.Data[i]
	w, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return Block{}, err
	}
	_, err = w.WriteAt(bytes.Repeat([]byte{0xA5}, 8), int64(h.Offset+h.Length/2))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return Block{Index: i, Blocks: len(layout.Data), Offset: h.Offset, Length: h.Length}, err
}
