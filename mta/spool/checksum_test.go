package spool

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/wasmta/wasmta/internal/spooldamage"
)

// TestValidateTableAgreesWithPebble writes tables of several checkWindows
// (random 8 KiB bodies, and one body larger than a window, which Pebble
// stores as one block) and checks that validateTable finds nothing in the
// healthy tables, oversized block included, and finds a damaged data block
// wherever it lies (the first window or a later one), as Pebble's
// ValidateBlockChecksums does.
func TestValidateTableAgreesWithPebble(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, testOptions())
	scanAll(t, s)
	for i := range 600 {
		m := newMessage(i, 1)
		m.Size = 8 << 10
		if i == 300 {
			m.Size = 3 * checkWindow / 2
		}
		mustPut(t, s, m)
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	o := testOptions().withDefaults()
	po := o.pebbleOptions(vfs.Default, newPebbleLogger(o.Logger), &damage{log: o.Logger})
	check := func(path string) (ours, pebbles error) {
		t.Helper()
		r, err := openTable(vfs.Default, path, po)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		return validateTable(vfs.Default, path, po), r.ValidateBlockChecksums()
	}
	var sawBig, sawWindows bool
	for _, table := range files(t, dir, ".sst") {
		healthy, err := os.ReadFile(table)
		if err != nil {
			t.Fatal(err)
		}
		sawWindows = sawWindows || len(healthy) > 2*checkWindow
		if ours, pebbles := check(table); ours != nil || pebbles != nil {
			t.Fatalf("healthy table %s: validateTable %v, Pebble %v", table, ours, pebbles)
		}
		n, big := dataBlocks(t, table, po)
		sawBig = sawBig || big >= 0
		for _, i := range []int{0, n / 2, n - 1} {
			if i == big {
				continue // Pebble's bit-flip search on a large block takes minutes
			}
			path := filepath.Join(t.TempDir(), filepath.Base(table))
			if err := os.WriteFile(path, healthy, 0o600); err != nil {
				t.Fatal(err)
			}
			b, err := spooldamage.Damage(path, i)
			if err != nil {
				t.Fatal(err)
			}
			if ours, pebbles := check(path); ours == nil || pebbles == nil {
				t.Errorf("%s: block %d of %d (offset %d, %d bytes) damaged: validateTable %v, Pebble %v",
					filepath.Base(table), b.Index, b.Blocks, b.Offset, b.Length, ours, pebbles)
			}
		}
	}
	if !sawBig || !sawWindows {
		t.Fatalf("no table larger than two windows (%v) or no block larger than one (%v)", sawWindows, sawBig)
	}
}

// dataBlocks returns the number of data blocks of the table at path and
// the index of the first one larger than checkWindow (-1 when none is).
func dataBlocks(t *testing.T, path string, po *pebble.Options) (n, big int) {
	t.Helper()
	r, err := openTable(vfs.Default, path, po)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	l, err := r.Layout()
	if err != nil {
		t.Fatal(err)
	}
	big = -1
	for i, d := range l.Data {
		if big < 0 && d.Handle.Length > checkWindow {
			big = i
		}
	}
	return len(l.Data), big
}
