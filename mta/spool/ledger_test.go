package spool

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// TestAckFileCountsSyncedPutsOnly holds the WAL's fsync while a Put is
// committed: the Put is not acknowledged (it has not returned), so
// ACKNOWLEDGED must not count it yet. Counting it would make a crash
// before the sync (a kill -9 while its batch is still in Pebble's WAL
// buffer, a power loss) report a lost WAL tail that lost nothing.
func TestAckFileCountsSyncedPutsOnly(t *testing.T) {
	dir := t.TempDir()
	var hold atomic.Bool
	release := make(chan struct{})
	o := testOptions()
	o.FS = errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op) error {
		isSync := op.Kind == errorfs.OpFileSync || op.Kind == errorfs.OpFileSyncData || op.Kind == errorfs.OpFileSyncTo
		if isSync && strings.HasSuffix(op.Path, ".log") && hold.Load() {
			<-release
		}
		return nil
	}))
	s := openTest(t, dir, o)
	scanAll(t, s)
	putMany(t, s, 3)
	base, _ := s.ledger.counts()

	hold.Store(true)
	done := make(chan error, 1)
	go func() {
		m := newMessage(100, 1)
		done <- s.Put(context.Background(), m, bodyFor(m.ID, 100))
	}()
	deadline := time.Now().Add(10 * time.Second)
	for acked, _ := s.ledger.counts(); acked == base; acked, _ = s.ledger.counts() {
		if time.Now().After(deadline) {
			t.Fatal("the Put was never committed")
		}
		time.Sleep(time.Millisecond)
	}
	err := s.saveAcked()
	hold.Store(false)
	close(release)
	if perr := <-done; perr != nil {
		t.Fatal(perr)
	}
	if err != nil {
		t.Fatal(err)
	}
	n, _, err := readAckFile(vfs.Default, vfs.Default.PathJoin(dir, ackFileName))
	if err != nil {
		t.Fatal(err)
	}
	if n != base {
		t.Errorf("ACKNOWLEDGED holds %d while the Put waits for its sync, want %d (the Puts that returned)", n, base)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	n, _, _ = readAckFile(vfs.Default, vfs.Default.PathJoin(dir, ackFileName))
	if n != base+1 {
		t.Errorf("ACKNOWLEDGED holds %d after Close, want %d", n, base+1)
	}
	reopenQuiet(t, dir, 4)
}
