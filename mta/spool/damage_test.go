package spool

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/wasmta/wasmta/internal/spooldamage"
	"github.com/wasmta/wasmta/mta/message"
)

// The damage tests break a real spool's files on disk, as a failing disk
// or an operator's mistake would, then reopen it: the loss must be
// reported (logged at ERROR, kept in LossReports, counted in Stats), and
// every message that is still readable must come back.

// logBuffer collects a store's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func loggedOptions(l *logBuffer) Options {
	o := testOptions()
	o.Logger = slog.New(slog.NewTextHandler(l, nil))
	return o
}

// fillSpool opens a fresh spool in dir, puts n messages and closes it.
func fillSpool(t *testing.T, dir string, n int) []*message.Message {
	t.Helper()
	s := openTest(t, dir, testOptions())
	scanAll(t, s)
	msgs := putMany(t, s, n)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return msgs
}

func putMany(t *testing.T, s *Store, n int) []*message.Message {
	t.Helper()
	var msgs []*message.Message
	for i := range n {
		m := newMessage(i, 1)
		mustPut(t, s, m)
		msgs = append(msgs, m)
	}
	return msgs
}

// scanAll runs the start's Scan and returns the IDs found.
func scanAll(t *testing.T, s *Store) map[message.ID]bool {
	t.Helper()
	found := map[message.ID]bool{}
	err := s.Scan(context.Background(), func(m *message.Message, _ []message.RcptState) error {
		found[m.ID] = true
		return nil
	})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return found
}

// files returns the paths in dir with the given extension, in creation
// order.
func files(t *testing.T, dir, ext string) []string {
	t.Helper()
	paths, err := spooldamage.Files(dir, ext)
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

// checkReported asserts that the start reported lost messages once: in
// the log at ERROR, in Loss and Stats, and in LossReports.
func checkReported(t *testing.T, s *Store, logs *logBuffer, lost int64) {
	t.Helper()
	if got := s.Loss().Lost(); got != lost {
		t.Errorf("Loss().Lost() = %d, want %d (%+v)", got, lost, s.Loss())
	}
	if s.Stats().Lost != lost {
		t.Errorf("Stats().Lost = %d, want %d", s.Stats().Lost, lost)
	}
	if !strings.Contains(logs.String(), "level=ERROR msg=\"spool: messages lost or damaged") {
		t.Errorf("no ERROR line reports the loss; log:\n%s", logs)
	}
	reps, err := s.LossReports()
	if err != nil || len(reps) != 1 || reps[0].Lost() != lost {
		t.Errorf("LossReports() = %+v, %v; want one report of %d", reps, err, lost)
	}
}

// checkRest asserts that every message found is whole, and returns how
// many of msgs were found.
func checkRest(t *testing.T, s *Store, msgs []*message.Message, found map[message.ID]bool) int {
	t.Helper()
	n := 0
	for _, m := range msgs {
		if found[m.ID] {
			checkStored(t, s, m)
			n++
		}
	}
	if n != len(found) {
		t.Errorf("Scan found %d messages, %d of them written by the test", len(found), n)
	}
	return n
}

// reopenQuiet reopens the spool: a loss is reported once, not at every start.
func reopenQuiet(t *testing.T, dir string, want int) {
	t.Helper()
	s := openTest(t, dir, testOptions())
	defer s.Close()
	if found := scanAll(t, s); len(found) != want {
		t.Errorf("second start found %d messages, want %d", len(found), want)
	}
	if l := s.Loss(); l.Any() {
		t.Errorf("second start reported again: %+v", l)
	}
}

func TestTruncatedWALReported(t *testing.T) {
	dir := t.TempDir()
	msgs := fillSpool(t, dir, 300)
	truncateLastWAL(t, dir)
	var logs logBuffer
	s := openTest(t, dir, loggedOptions(&logs))
	found := scanAll(t, s)
	n := checkRest(t, s, msgs, found)
	if n == 0 || n >= len(msgs) {
		t.Fatalf("%d of %d messages after truncating the WAL: the test did not cut into it", n, len(msgs))
	}
	checkReported(t, s, &logs, int64(len(msgs)-n))
	if s.Loss().WALTail != int64(len(msgs)-n) {
		t.Errorf("Loss = %+v, want the loss counted as a lost WAL tail", s.Loss())
	}
	t.Logf("truncated WAL: %d of %d messages back, %d reported lost", n, len(msgs), s.Loss().Lost())
	s.Close()
	reopenQuiet(t, dir, n)
}

// truncateLastWAL cuts the last WAL of dir to 60 % of what it holds, as a
// torn end or a disk that lied about fsync leaves it.
func truncateLastWAL(t *testing.T, dir string) {
	t.Helper()
	wals := files(t, dir, ".log")
	last := wals[len(wals)-1]
	if err := os.Truncate(last, walWritten(t, last)*6/10); err != nil {
		t.Fatal(err)
	}
}

// walWritten is how much of the WAL at path Pebble wrote: up to its last
// byte that is not zero. The file is longer: walFillFS writes zeros ahead
// of the records.
func walWritten(t *testing.T, path string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(bytes.TrimRight(b, "\x00")))
}

// walsLive writes 30 messages with flushes failing, so that several
// memtables, each with its WAL, are live at Close; it returns the WALs.
func walsLive(t *testing.T, dir string) ([]*message.Message, []string) {
	t.Helper()
	o := testOptions()
	o.memTableSize = 64 << 10
	o.FS = errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if op.Kind == errorfs.OpCreate && strings.HasSuffix(op.Path, ".sst") {
			return errors.New("test: no flush")
		}
		return nil
	}))
	s := openTest(t, dir, o)
	scanAll(t, s)
	msgs := putMany(t, s, 30)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wals := files(t, dir, ".log")
	if len(wals) < 3 {
		t.Fatalf("%d WALs, want 3 or more: %v", len(wals), wals)
	}
	return msgs, wals
}

// TestDamagedWALMovedAside overwrites bytes inside a WAL. In a WAL before
// the last, that makes Pebble refuse to open the store at all: the WAL is
// moved to corrupt/, the start reports the messages it held and serves
// the others. In the last WAL Pebble replays up to the damage, as for a
// torn end, and the start reports the rest as a lost WAL tail.
func TestDamagedWALMovedAside(t *testing.T) {
	for _, tt := range []struct {
		which string
		moved int
	}{{"middle", 1}, {"last", 0}} {
		t.Run(tt.which, func(t *testing.T) {
			dir := t.TempDir()
			msgs, wals := walsLive(t, dir)
			victim := wals[1]
			if tt.which == "last" {
				victim = wals[len(wals)-1]
			}
			all := walRecords(t, victim)
			f, err := os.OpenFile(victim, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.WriteAt(bytes.Repeat([]byte{0xA5}, 64), walWritten(t, victim)/3)
			if err = errors.Join(err, f.Close()); err != nil {
				t.Fatal(err)
			}
			before := walRecords(t, victim)
			if tt.which == "middle" && (before == 0 || before >= all) {
				t.Fatalf("%d of the WAL's %d records read before the damage", before, all)
			}
			var logs logBuffer
			s := openTest(t, dir, loggedOptions(&logs))
			found := scanAll(t, s)
			n := checkRest(t, s, msgs, found)
			if n == 0 || n >= len(msgs) {
				t.Fatalf("%d of %d messages back", n, len(msgs))
			}
			checkReported(t, s, &logs, int64(len(msgs)-n))
			// Only the records from the damage on are lost: those before it
			// (whole Put batches) come back.
			if lost := len(msgs) - n; lost > all-before {
				t.Errorf("%d messages lost, want at most the %d records from the damage on", lost, all-before)
			}
			if moved := files(t, filepath.Join(dir, corruptDir), ".log"); len(moved) != tt.moved {
				t.Errorf("WALs in corrupt/: %v, want %d", moved, tt.moved)
			}
			t.Logf("damaged %s WAL: %d of %d messages back, %d reported lost; %d of its %d records before the damage",
				tt.which, n, len(msgs), s.Loss().Lost(), before, all)
			s.Close()
			reopenQuiet(t, dir, n)
		})
	}
}

// TestMissingWALReported deletes a WAL between two others: the messages
// in it are gone, and the store's own counts show it.
func TestMissingWALReported(t *testing.T) {
	dir := t.TempDir()
	msgs, wals := walsLive(t, dir)
	if err := os.Remove(wals[1]); err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	s := openTest(t, dir, loggedOptions(&logs))
	found := scanAll(t, s)
	n := checkRest(t, s, msgs, found)
	if n >= len(msgs) {
		t.Fatalf("all %d messages back after deleting a WAL", n)
	}
	checkReported(t, s, &logs, int64(len(msgs)-n))
	if s.Loss().Missing != int64(len(msgs)-n) {
		t.Errorf("Loss = %+v, want the loss counted as missing envelopes", s.Loss())
	}
	t.Logf("deleted WAL 2 of %d: %d of %d messages back, %d reported lost", len(wals), n, len(msgs), s.Loss().Lost())
	s.Close()
	reopenQuiet(t, dir, n)
}

// damageBlock overwrites 8 bytes in data block i of the table at path.
func damageBlock(t *testing.T, path string, i int) {
	t.Helper()
	b, err := spooldamage.Damage(path, i)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("damaged data block %d of %d (offset %d, %d bytes)", b.Index, b.Blocks, b.Offset, b.Length)
}

// flushedSpool writes n messages and flushes them into one table.
func flushedSpool(t *testing.T, dir string, n int) ([]*message.Message, string) {
	t.Helper()
	s := openTest(t, dir, testOptions())
	scanAll(t, s)
	msgs := putMany(t, s, n)
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	tables := files(t, dir, ".sst")
	if len(tables) != 1 {
		t.Fatalf("%d tables after one flush: %v", len(tables), tables)
	}
	return msgs, tables[0]
}

// TestDamagedBodiesQuarantined damages a block of bodies: the envelopes
// all come back, the bodies of the damaged block cannot be read and those
// messages go to the quarantine, every other one is read whole, and the
// process goes on (Pebble's default would have exited).
func TestDamagedBodiesQuarantined(t *testing.T) {
	dir := t.TempDir()
	msgs, table := flushedSpool(t, dir, 200)
	damageBlock(t, table, 0) // "b/" sorts first: bodies
	var logs logBuffer
	s := openTest(t, dir, loggedOptions(&logs))
	if found := scanAll(t, s); len(found) != len(msgs) {
		t.Fatalf("Scan found %d envelopes, want all %d", len(found), len(msgs))
	}
	var quarantined []message.ID
	for _, m := range msgs {
		_, err := s.Body(m.ID)
		if err == nil {
			checkStored(t, s, m)
			continue
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Body %s: %v, want ErrCorrupt", m.ID, err)
		}
		if moved, err := s.Quarantine(m.ID, err.Error()); err != nil || !moved {
			t.Fatalf("Quarantine: %v, %v", moved, err)
		}
		if moved, err := s.Quarantine(m.ID, "again"); err != nil || moved {
			t.Fatalf("second Quarantine: %v, %v; want a no-op", moved, err)
		}
		quarantined = append(quarantined, m.ID)
	}
	if len(quarantined) == 0 || len(quarantined) == len(msgs) {
		t.Fatalf("%d of %d bodies unreadable: want some, not all", len(quarantined), len(msgs))
	}
	if st := s.Stats(); st.Quarantined != int64(len(quarantined)) || st.Corruptions == 0 {
		t.Errorf("Stats() = %+v, want %d quarantined and corruptions counted", st, len(quarantined))
	}
	if !strings.Contains(logs.String(), "level=ERROR msg=\"spool: damaged table repaired") {
		t.Errorf("the damaged table is not logged at ERROR:\n%s", logs.String())
	}
	if copies := files(t, filepath.Join(dir, corruptDir), ".sst"); len(copies) != 1 {
		t.Errorf("copies of the damaged table in corrupt/: %v, want one", copies)
	}
	var listed int
	err := s.QuarantineList(func(q Quarantined, body []byte) error {
		listed++
		if !strings.Contains(q.Reason, "spool: damaged data") || len(q.Envelope) == 0 || q.HasBody || body != nil {
			t.Errorf("quarantine entry %+v (body %d bytes)", q, len(body))
		}
		return nil
	})
	if err != nil || listed != len(quarantined) {
		t.Errorf("QuarantineList: %d entries, %v; want %d", listed, err, len(quarantined))
	}
	t.Logf("%d of %d messages quarantined, the rest read whole", len(quarantined), len(msgs))
	s.Close()
	reopenQuiet(t, dir, len(msgs)-len(quarantined))
}

// TestDamagedEnvelopesReported damages a block of envelopes: the start
// steps over the damaged table's range, reports the envelopes it could
// not read as lost, and the messages it did find are whole.
func TestDamagedEnvelopesReported(t *testing.T) {
	dir := t.TempDir()
	msgs, table := flushedSpool(t, dir, 200)
	damageBlock(t, table, -1) // "m/" sorts last: envelopes
	var logs logBuffer
	s := openTest(t, dir, loggedOptions(&logs))
	defer s.Close()
	found := scanAll(t, s)
	n := checkRest(t, s, msgs, found)
	if n >= len(msgs) {
		t.Fatalf("all %d envelopes read from a damaged block", n)
	}
	checkReported(t, s, &logs, int64(len(msgs)-n))
	if l := s.Loss(); l.Missing != int64(len(msgs)-n) || len(l.Damaged) == 0 {
		t.Errorf("Loss = %+v, want %d missing and the damaged range", l, len(msgs)-n)
	}
	t.Logf("damaged envelope block: %d of %d messages back, %d reported lost", n, len(msgs), s.Loss().Lost())
}

// walRecords counts the records of a WAL that read, up to its end or its
// damage.
func walRecords(t *testing.T, path string) int {
	t.Helper()
	num, err := strconv.ParseUint(strings.TrimSuffix(filepath.Base(path), ".log"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	_ = eachWALRecord(vfs.Default, path, num, func([]byte) { n++ })
	return n
}

// TestWALTailLostDuringRebuildReported: the engine's rebuild scans a
// snapshot while reception goes on (BeginQueueScan), so messages are
// acknowledged before the first full scan has reconciled the ledger. If
// the process dies before the scan ends and the end of the WAL is lost,
// the next start must still report the lost tail: ACKNOWLEDGED has to
// count what was acknowledged during the scan. A start without damage
// reports nothing.
func TestWALTailLostDuringRebuildReported(t *testing.T) {
	for _, truncate := range []bool{false, true} {
		dir := t.TempDir()
		old := fillSpool(t, dir, 20)
		s := openTest(t, dir, testOptions())
		q, err := s.BeginQueueScan()
		if err != nil {
			t.Fatal(err)
		}
		msgs := append(old, putMany(t, s, 300)...)
		if err := s.saveAcked(); err != nil { // the watch loop's write, once a second
			t.Fatal(err)
		}
		q.Close() // the scan never ended: the process died during the rebuild
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if truncate {
			truncateLastWAL(t, dir)
		}
		var logs logBuffer
		s = openTest(t, dir, loggedOptions(&logs))
		found := scanAll(t, s)
		n := checkRest(t, s, msgs, found)
		if !truncate {
			if n != len(msgs) || s.Loss().Any() {
				t.Errorf("no damage: %d of %d messages back, Loss %+v", n, len(msgs), s.Loss())
			}
			s.Close()
			continue
		}
		if n == 0 || n >= len(msgs) {
			t.Fatalf("%d of %d messages after truncating the WAL: the test did not cut into it", n, len(msgs))
		}
		checkReported(t, s, &logs, int64(len(msgs)-n))
		if s.Loss().WALTail != int64(len(msgs)-n) {
			t.Errorf("Loss = %+v, want the loss counted as a lost WAL tail", s.Loss())
		}
		s.Close()
		reopenQuiet(t, dir, n)
	}
}

// TestOfflineToolsStepOverALargeDamagedBody: `wasmta spool check` and
// `salvage` on a stopped spool whose 4 MiB body block is damaged find it
// with their table check and step over it at once, instead of Pebble
// searching it for a flipped bit at their read (about a minute of CPU for
// 4 MiB); the salvage writes that message without its body.
func TestOfflineToolsStepOverALargeDamagedBody(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, testOptions())
	scanAll(t, s)
	big := newMessage(0, 1)
	big.Size = 4 << 20
	mustPut(t, s, big) // the first ID: its body is the first data block
	putMany(t, s, 10)
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var table string
	for _, tb := range files(t, dir, ".sst") {
		if fi, err := os.Stat(tb); err == nil && fi.Size() > big.Size {
			table = tb
		}
	}
	b, err := spooldamage.Damage(table, 0)
	if err != nil || b.Length < uint64(big.Size) {
		t.Fatalf("Damage = %+v, %v: want the large body's block", b, err)
	}
	off, err := OpenOffline(dir, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	t0 := time.Now()
	r, err := off.Check()
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(t0)
	if len(r.DamagedTables) != 1 || r.Clean() {
		t.Fatalf("Check = %+v: want the damaged table", r)
	}
	t0 = time.Now()
	res, err := off.Salvage(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("check %v, salvage %v: %+v", took, time.Since(t0), res)
	if took > 30*time.Second || time.Since(t0) > 30*time.Second {
		t.Fatalf("check took %v, salvage %v, with a damaged 4 MiB block: not bounded", took, time.Since(t0))
	}
	if res.Messages != 11 || res.WithoutBody != 1 {
		t.Fatalf("Salvage = %+v: want 11 messages, 1 without its body", res)
	}
}
