package spool

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// writeWAL writes n random chunks through f and returns what was written.
func writeWAL(t *testing.T, f vfs.File, n int, rng *rand.Rand) []byte {
	t.Helper()
	var all []byte
	for range n {
		p := make([]byte, 1+rng.IntN(40<<10))
		for i := range p {
			p[i] = byte(1 + rng.IntN(255)) // never zero, so the fill shows
		}
		all = append(all, p...)
		if _, err := f.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	return all
}

func readAll(t *testing.T, fs vfs.FS, name string) []byte {
	t.Helper()
	f, err := fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWALFilledAhead: a new WAL holds exactly what was written, followed
// by zeros (at most walFillAhead of them: each fill reaches that far past
// the write that needed it); a file of another category is left as
// written.
func TestWALFilledAhead(t *testing.T) {
	mem := vfs.NewMem()
	fs := walFillFS{mem}
	rng := rand.New(rand.NewPCG(1, 2))
	f, err := fs.Create("000002.log", walCategory)
	if err != nil {
		t.Fatal(err)
	}
	written := writeWAL(t, f, 100, rng)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, mem, "000002.log")
	if !bytes.Equal(got[:len(written)], written) {
		t.Fatal("the WAL does not hold what was written")
	}
	tail := got[len(written):]
	if len(tail) == 0 || len(tail) > walFillAhead || bytes.ContainsFunc(tail, func(r rune) bool { return r != 0 }) {
		t.Errorf("after the %d bytes written: %d bytes, want up to %d zeros", len(written), len(tail), walFillAhead)
	}

	g, err := fs.Create("000003.sst", "pebble-compaction")
	if err != nil {
		t.Fatal(err)
	}
	other := writeWAL(t, g, 3, rng)
	g.Close()
	if got := readAll(t, mem, "000003.sst"); !bytes.Equal(got, other) {
		t.Errorf("a table holds %d bytes for %d written", len(got), len(other))
	}
}

// TestRecycledWALFilledPastItsEnd: a recycled WAL already holds written
// blocks, so nothing is filled until a write goes past its old size; the
// new records overwrite the old ones and nothing else changes.
func TestRecycledWALFilledPastItsEnd(t *testing.T) {
	mem := vfs.NewMem()
	fs := walFillFS{mem}
	rng := rand.New(rand.NewPCG(3, 4))
	old := make([]byte, 3*walFillAhead)
	for i := range old {
		old[i] = 0xEE
	}
	o, err := mem.Create("000004.log", walCategory)
	if err != nil {
		t.Fatal(err)
	}
	// A copy: vfs.File.Write may change what it is given (MemFS does,
	// in a -race build, to catch callers that count on it).
	o.Write(bytes.Clone(old))
	o.Close()

	f, err := fs.ReuseForWrite("000004.log", "000009.log", walCategory)
	if err != nil {
		t.Fatal(err)
	}
	first := writeWAL(t, f, 10, rng)
	if got := readAll(t, mem, "000009.log"); len(got) != len(old) || !bytes.Equal(got[:len(first)], first) ||
		!bytes.Equal(got[len(first):], old[len(first):]) {
		t.Fatalf("within the old size: %d bytes, want the %d written over the %d old ones and nothing filled",
			len(got), len(first), len(old))
	}
	more := writeWAL(t, f, 400, rng)
	f.Close()
	all := append(first, more...)
	if len(all) <= len(old) {
		t.Fatalf("wrote %d bytes, not past the old %d", len(all), len(old))
	}
	got := readAll(t, mem, "000009.log")
	if !bytes.Equal(got[:len(all)], all) {
		t.Fatal("the recycled WAL does not hold what was written")
	}
	if tail := got[len(all):]; len(tail) == 0 || bytes.ContainsFunc(tail, func(r rune) bool { return r != 0 }) {
		t.Errorf("past the old size: %d bytes after the records, want zeros", len(tail))
	}
}
