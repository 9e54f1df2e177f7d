package spool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/wasmta/wasmta/mta/message"
)

// TestRepairKeepsOverlappingTables damages a table of level 0 whose key
// range overlaps an older table of the last level: the older table's
// messages whose keys lie beyond the damage point (the store's iterator
// stops there) must all come back whole.
func TestRepairKeepsOverlappingTables(t *testing.T) {
	const n = 60
	dir := t.TempDir()
	var older, newer []*message.Message
	for i := range 2 * n { // interleaved IDs: the two tables' ranges overlap
		if m := newMessage(i, 1); i%2 == 0 {
			older = append(older, m)
		} else {
			newer = append(newer, m)
		}
	}
	putCompacted(t, dir, older)
	table := putFlushed(t, dir, newer)
	damageBlock(t, table, n/2) // a block of bodies in the middle of the range

	var logs logBuffer
	s := openTest(t, dir, loggedOptions(&logs))
	defer s.Close()
	found := scanAll(t, s)
	if !strings.Contains(logs.String(), "spool: damaged table repaired") {
		t.Fatalf("no repair logged:\n%s", logs.String())
	}
	for _, m := range older {
		if !found[m.ID] {
			t.Fatalf("message %s of the healthy table lost by the repair", m.ID)
		}
		checkStored(t, s, m)
	}
	whole := 0
	for _, m := range newer {
		if _, err := s.Body(m.ID); err == nil && found[m.ID] {
			whole++
		}
	}
	if whole == len(newer) {
		t.Fatalf("all %d messages of the damaged table read whole: the damage missed", whole)
	}
	t.Logf("all %d messages of the healthy table whole, %d of %d of the damaged one", len(older), whole, len(newer))
}

// putCompacted puts msgs and compacts them into the last level.
func putCompacted(t *testing.T, dir string, msgs []*message.Message) {
	t.Helper()
	s := openTest(t, dir, testOptions())
	defer s.Close()
	scanAll(t, s)
	for _, m := range msgs {
		mustPut(t, s, m)
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Compact(context.Background(), []byte{0}, []byte{0xff}, false); err != nil {
		t.Fatal(err)
	}
}

// putFlushed puts msgs in a table of level 0 and returns its path, having
// checked that a table of a lower level overlaps its key range.
func putFlushed(t *testing.T, dir string, msgs []*message.Message) string {
	t.Helper()
	s := openTest(t, dir, testOptions())
	scanAll(t, s)
	for _, m := range msgs {
		mustPut(t, s, m)
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := pebble.Open(dir, &pebble.Options{ReadOnly: true, DisableAutomaticCompactions: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l0, levels := largestL0(t, db)
	for level := 1; level < len(levels); level++ {
		for _, tb := range levels[level] {
			if bytes.Compare(tb.Smallest.UserKey, l0.Largest.UserKey) <= 0 &&
				bytes.Compare(l0.Smallest.UserKey, tb.Largest.UserKey) <= 0 {
				return tablePath(dir, l0)
			}
		}
	}
	t.Fatalf("no table of level 0 overlapping a lower level: %v", levels)
	return ""
}

// TestRepairKeepsDeletions repairs a damaged table of level 0 over the
// keys of an older table of the last level, with a healthy table of
// deletions between them (Delete, SingleDelete, DeleteRange): every key
// the older table holds comes back, and no deleted one.
func TestRepairKeepsDeletions(t *testing.T) {
	dir := t.TempDir()
	opts := repairTestOptions
	db, err := pebble.Open(dir, opts())
	if err != nil {
		t.Fatal(err)
	}
	key := func(i int) []byte { return fmt.Appendf(nil, "b/%04d", i) }
	deleted := func(i int) bool { return i%8 == 0 || i%8 == 2 || (i >= 104 && i < 112) }
	writeFlushed(t, db, func(b *pebble.Batch) { // older: the even keys, in the last level
		for i := 0; i < 200; i += 2 {
			_ = b.Set(key(i), bodyValue(i), nil)
		}
	})
	if err := db.Compact(context.Background(), []byte{0}, []byte{0xff}, false); err != nil {
		t.Fatal(err)
	}
	writeFlushed(t, db, func(b *pebble.Batch) {
		for i := 0; i < 200; i += 2 {
			switch {
			case i%8 == 0:
				_ = b.Delete(key(i), nil)
			case i%8 == 2:
				_ = b.SingleDelete(key(i), nil)
			}
		}
		_ = b.DeleteRange(key(104), key(112), nil)
	})
	writeFlushed(t, db, func(b *pebble.Batch) { // newer: the odd keys
		for i := 1; i < 200; i += 2 {
			_ = b.Set(key(i), bodyValue(i), nil)
		}
	})
	l0, _ := largestL0(t, db)
	table := tablePath(dir, l0)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for i := 40; i <= 60; i++ { // a wide damage: the gap holds all kinds of deletion
		damageBlock(t, table, i)
	}

	po := opts()
	db, err = pebble.Open(dir, po)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	repairs, err := verifyAndRepair(db, vfs.Default, dir, po)
	if err != nil || len(repairs) != 1 {
		t.Fatalf("verifyAndRepair = %q, %v; want one repair", repairs, err)
	}
	t.Log(repairs[0])
	lostOdd := 0
	for i := range 200 {
		v, closer, err := db.Get(key(i))
		switch {
		case err == nil:
			ok := bytes.Equal(v, bodyValue(i))
			_ = closer.Close()
			if !ok || (i%2 == 0 && deleted(i)) {
				t.Errorf("key %s: read back wrong or deleted (deleted %v)", key(i), deleted(i))
			}
		case !errors.Is(err, pebble.ErrNotFound):
			t.Fatalf("Get %s: %v", key(i), err)
		case i%2 == 1:
			lostOdd++
		case !deleted(i):
			t.Errorf("key %s of the healthy table lost by the repair", key(i))
		}
	}
	if lostOdd == 0 {
		t.Fatal("no key of the damaged table lost: the damage missed")
	}
	t.Logf("%d of 100 keys of the damaged table lost", lostOdd)
}

// repairTestOptions are the options of a store that the repair tests
// open by hand.
func repairTestOptions() *pebble.Options {
	return &pebble.Options{
		DisableAutomaticCompactions: true, FormatMajorVersion: pebble.FormatNewest,
		// Pebble's default ends the process on a damaged block.
		EventListener: &pebble.EventListener{DataCorruption: func(pebble.DataCorruptionInfo) {}},
	}
}

func bodyValue(i int) []byte {
	var seed [32]byte
	seed[0], seed[1] = byte(i), byte(i>>8)
	b := make([]byte, 4096)
	_, _ = rand.NewChaCha8(seed).Read(b)
	return b
}

// writeFlushed applies a batch that fill writes and flushes it into a
// table of level 0.
func writeFlushed(t *testing.T, db *pebble.DB, fill func(*pebble.Batch)) {
	t.Helper()
	b := db.NewBatch()
	fill(b)
	if err := db.Apply(b, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
}

// largestL0 returns the largest table of level 0 (the one of values, not
// of tombstones), and the tables of every level.
func largestL0(t *testing.T, db *pebble.DB) (pebble.SSTableInfo, [][]pebble.SSTableInfo) {
	t.Helper()
	levels, err := db.SSTables()
	if err != nil {
		t.Fatal(err)
	}
	if len(levels[0]) == 0 {
		t.Fatal("no table in level 0")
	}
	l0 := levels[0][0]
	for _, tb := range levels[0] {
		if tb.Size > l0.Size {
			l0 = tb
		}
	}
	return l0, levels
}

func tablePath(dir string, tb pebble.SSTableInfo) string {
	return filepath.Join(dir, tb.BackingSSTNum.String()+".sst")
}

// TestRepairOverlappingDamagedTables damages two tables of level 0, the
// second's keys inside the first's range: the first repair cuts its whole
// range out of every table, the second table with it, so the second
// repair must work from the tables as they are then, not from the bounds
// read before the first. Every key outside the two damaged blocks comes
// back, both files are kept in corrupt/, and the start does not fail.
func TestRepairOverlappingDamagedTables(t *testing.T) {
	dir := t.TempDir()
	opts := repairTestOptions
	db, err := pebble.Open(dir, opts())
	if err != nil {
		t.Fatal(err)
	}
	key := func(i int) []byte { return fmt.Appendf(nil, "b/%04d", i) }
	inner := func(i int) bool { return i%2 == 1 && i > 80 && i < 120 }
	writeFlushed(t, db, func(b *pebble.Batch) { // wide: the even keys
		for i := 0; i < 200; i += 2 {
			_ = b.Set(key(i), bodyValue(i), nil)
		}
	})
	writeFlushed(t, db, func(b *pebble.Batch) { // narrow, inside the wide one's range: odd keys
		for i := 81; i < 120; i += 2 {
			_ = b.Set(key(i), bodyValue(i), nil)
		}
	})
	levels, err := db.SSTables()
	if err != nil {
		t.Fatal(err)
	}
	if len(levels[0]) != 2 {
		t.Fatalf("level 0 holds %d tables, want 2", len(levels[0]))
	}
	wide, narrow := levels[0][0], levels[0][1]
	if wide.Size < narrow.Size {
		wide, narrow = narrow, wide
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	damageBlock(t, tablePath(dir, wide), 10)  // key 20 or so, outside the narrow table
	damageBlock(t, tablePath(dir, narrow), 5) // key 91 or so

	po := opts()
	db, err = pebble.Open(dir, po)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	repairs, err := verifyAndRepair(db, vfs.Default, dir, po)
	for _, r := range repairs {
		t.Log(r)
	}
	if err != nil {
		t.Fatalf("verifyAndRepair: %v", err)
	}
	if len(repairs) != 2 {
		t.Fatalf("%d repairs, want one per damaged table", len(repairs))
	}
	for _, tb := range []pebble.SSTableInfo{wide, narrow} {
		kept := filepath.Join(dir, corruptDir, tb.BackingSSTNum.String()+".sst")
		if _, err := vfs.Default.Stat(kept); err != nil {
			t.Errorf("damaged table %s not kept in corrupt/: %v", tb.BackingSSTNum, err)
		}
	}
	var lostWide, lostNarrow []int
	for i := range 200 {
		if i%2 == 1 && !inner(i) {
			continue
		}
		v, closer, err := db.Get(key(i))
		switch {
		case err == nil:
			if !bytes.Equal(v, bodyValue(i)) {
				t.Errorf("key %s read back wrong", key(i))
			}
			_ = closer.Close()
		case !errors.Is(err, pebble.ErrNotFound):
			t.Fatalf("Get %s: %v", key(i), err)
		case inner(i):
			lostNarrow = append(lostNarrow, i)
		default:
			lostWide = append(lostWide, i)
		}
	}
	t.Logf("lost: %v of the wide table, %v of the narrow one", lostWide, lostNarrow)
	// One block each: a 4 KiB value is a block of its own.
	if len(lostWide) != 1 || len(lostNarrow) != 1 {
		t.Fatalf("lost %v of the wide table and %v of the narrow one: want the one key of each damaged block", lostWide, lostNarrow)
	}
}
