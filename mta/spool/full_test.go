package spool

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/wasmta/wasmta/mta/message"
)

func TestMinFreeThreshold(t *testing.T) {
	dir := t.TempDir()
	du, err := vfs.Default.GetDiskUsage(dir)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		minFree int64
		full    bool
	}{
		{"check off", -1, false},
		{"default", 0, int64(du.AvailBytes) < defaultMinFree},
		{"below free space", 1 << 20, false},
		{"above free space", int64(du.AvailBytes) + 1<<40, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOptions()
			o.MinFreeBytes = tt.minFree
			s := openTest(t, t.TempDir(), o)
			defer s.Close()
			m := newMessage(1, 1)
			err := s.Put(context.Background(), m, []byte("body"))
			if got := errors.Is(err, ErrFull); got != tt.full {
				t.Fatalf("Put: %v; want ErrFull %v", err, tt.full)
			}
			if s.Stats().Full != tt.full {
				t.Errorf("Stats().Full = %v, want %v", s.Stats().Full, tt.full)
			}
			if _, err := s.Message(m.ID); tt.full && !errors.Is(err, ErrNotFound) {
				t.Errorf("refused message was stored: %v", err)
			}
		})
	}
}

// TestENOSPCReleasesBallast injects one ENOSPC into a WAL write: the write
// must succeed on retry thanks to the ballast, later Puts must get ErrFull,
// and once the (real, roomy) disk is seen to have space the ballast comes
// back and Puts are accepted again.
func TestENOSPCReleasesBallast(t *testing.T) {
	var armed atomic.Bool
	dir := t.TempDir()
	o := testOptions()
	o.MinFreeBytes = -1
	o.FS = errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if op.Kind == errorfs.OpFileWrite && strings.HasSuffix(op.Path, ".log") && armed.CompareAndSwap(true, false) {
			return syscall.ENOSPC
		}
		return nil
	}))
	s := openTest(t, dir, o)
	ballast := vfs.Default.PathJoin(dir, ballastName)
	first, hit, refused, after := newMessage(1, 1), newMessage(2, 1), newMessage(3, 1), newMessage(4, 1)
	mustPut(t, s, first)
	armed.Store(true)
	mustPut(t, s, hit) // its WAL write meets ENOSPC, the ballast goes, the retry succeeds
	if armed.Load() {
		t.Fatal("the injected ENOSPC was never hit")
	}
	if _, err := vfs.Default.Stat(ballast); err == nil {
		t.Error("ballast still there after ENOSPC")
	}
	if err := s.Put(context.Background(), refused, []byte("x")); !errors.Is(err, ErrFull) {
		t.Fatalf("Put after ENOSPC: %v, want ErrFull", err)
	}
	if st := s.Stats(); !st.Full || !st.BallastSpent {
		t.Errorf("Stats() = %+v after ENOSPC, want Full and BallastSpent", st)
	}
	waitNotFull(t, s)
	if _, err := vfs.Default.Stat(ballast); err != nil {
		t.Fatalf("ballast not rebuilt once space was back: %v", err)
	}
	mustPut(t, s, after)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir, testOptions())
	defer s.Close()
	for _, m := range []*message.Message{first, hit, after} {
		checkStored(t, s, m)
	}
	if _, err := s.Message(refused.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("refused message is stored: %v", err)
	}
}

// waitNotFull waits for the background check to see the disk's space.
func waitNotFull(t *testing.T, s *Store) {
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().Full {
		if time.Now().After(deadline) {
			t.Fatal("store still full 5 s after space came back")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mountTmpfs mounts a tmpfs of the given size ("24m") on a fresh directory:
// a real filesystem that really fills up.
func mountTmpfs(t *testing.T, size string) string {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		if errors.Is(err, syscall.EPERM) {
			t.Skipf("mounting a tmpfs needs CAP_SYS_ADMIN (run as root): %v", err)
		}
		t.Fatalf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// TestFullDisk fills a real, small filesystem with synced Puts until the
// store refuses, then grows the filesystem: nothing accepted may be lost,
// the process must survive, and reception must resume by itself.
func TestFullDisk(t *testing.T) {
	tests := []struct {
		name         string
		minFree      int64
		wantReleased bool // the ballast had to be spent
	}{
		{"threshold refuses first", 8 << 20, false},
		{"real ENOSPC, ballast spent", -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := mountTmpfs(t, "32m")
			o := testOptions()
			o.MinFreeBytes, o.BallastBytes, o.memTableSize = tt.minFree, 8<<20, 1<<20
			s := openTest(t, dir, o)
			t.Cleanup(func() { _ = s.Close() })
			acked := fillUntilFull(t, s)
			if st := s.Stats(); !st.Full || st.BallastSpent != tt.wantReleased {
				t.Errorf("Stats() = %+v, want Full and BallastSpent %v", st, tt.wantReleased)
			}
			for _, m := range acked {
				checkStored(t, s, m)
			}
			if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT, "size=96m"); err != nil {
				t.Fatalf("grow tmpfs: %v", err)
			}
			acked = append(acked, putWhenRoom(t, s))
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openTest(t, dir, o)
			for _, m := range acked {
				checkStored(t, s, m)
			}
			t.Logf("%d messages accepted before the disk was full, all there after reopen", len(acked)-1)
		})
	}
}

func fillUntilFull(t *testing.T, s *Store) []*message.Message {
	var acked []*message.Message
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; i < 20000 && time.Now().Before(deadline); i++ {
		m := newMessage(i, 1)
		err := s.Put(context.Background(), m, bodyFor(m.ID, int(m.Size)))
		if errors.Is(err, ErrFull) {
			return acked
		}
		if err != nil {
			t.Fatalf("Put %d: %v", i, err)
		}
		acked = append(acked, m)
	}
	t.Fatalf("still accepting after %d messages on a 32 MiB filesystem", len(acked))
	return nil
}

// putWhenRoom retries a Put until the store sees the space that was added.
func putWhenRoom(t *testing.T, s *Store) *message.Message {
	m := newMessage(0, 1)
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := s.Put(context.Background(), m, bodyFor(m.ID, int(m.Size)))
		if err == nil {
			return m
		}
		if !errors.Is(err, ErrFull) || time.Now().After(deadline) {
			t.Fatalf("Put after the disk grew: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFullDiskRecoversWhenDrained fills a real, small filesystem until the
// store refuses, then delivers (deletes) every message: the space the
// spool held must come back to it, and the store must accept messages
// again, without a restart and without the filesystem growing.
func TestFullDiskRecoversWhenDrained(t *testing.T) {
	tests := []struct {
		name    string
		minFree int64
	}{
		{"threshold refuses first", 8 << 20},
		{"real ENOSPC, ballast spent", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := mountTmpfs(t, "32m")
			o := testOptions()
			o.MinFreeBytes, o.BallastBytes, o.memTableSize = tt.minFree, 8<<20, 1<<20
			s := openTest(t, dir, o)
			t.Cleanup(func() { _ = s.Close() })
			acked := fillUntilFull(t, s)
			for _, m := range acked {
				if err := s.Delete(m.ID); err != nil {
					t.Fatalf("Delete: %v", err)
				}
			}
			deadline := time.Now().Add(30 * time.Second)
			for s.Stats().Full {
				if time.Now().After(deadline) {
					du, _ := vfs.Default.GetDiskUsage(dir)
					t.Fatalf("still full 30 s after the queue drained: %+v, %d bytes free", s.Stats(), du.AvailBytes)
				}
				time.Sleep(50 * time.Millisecond)
			}
			putWhenRoom(t, s)
			t.Logf("%d messages filled the disk; all delivered, the store accepts mail again", len(acked))
		})
	}
}

// TestDiskFullDuringWALFill: the disk fills up where walFillFS writes its
// zeros ahead of a WAL, so the fill is the first write to meet ENOSPC and
// the WAL write that needed it the second (the writes into blocks already
// filled need no room). The fill stops without a word, the WAL write's
// ENOSPC releases the ballast as before and its retry succeeds: the
// message is acknowledged, the store turns full, and after a restart both
// messages are there with their bodies.
func TestDiskFullDuringWALFill(t *testing.T) {
	dir := t.TempDir()
	ballast := vfs.Default.PathJoin(dir, ballastName)
	var full atomic.Bool     // the disk has no room until the ballast goes
	var refused atomic.Int32 // fills refused; the WAL write after one needs room too
	o := testOptions()
	o.MinFreeBytes = -1
	o.FS = errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if !full.Load() || !strings.HasSuffix(op.Path, ".log") {
			return nil
		}
		if _, err := vfs.Default.Stat(ballast); err != nil {
			full.Store(false) // the ballast was removed: room again
			return nil
		}
		switch {
		case op.Kind == errorfs.OpFileWriteAt:
			refused.Add(1)
			return syscall.ENOSPC
		case op.Kind == errorfs.OpFileWrite && refused.Load() > 0:
			return syscall.ENOSPC
		}
		return nil
	}))
	s := openTest(t, dir, o)
	first := newMessage(1, 1)
	mustPut(t, s, first)
	// A body past what the first fill reached: its WAL write needs a fill.
	hit := newMessage(2, 1)
	hit.Size = 2 * walFillAhead
	full.Store(true)
	mustPut(t, s, hit)
	if refused.Load() == 0 {
		t.Fatal("no fill met the full disk")
	}
	if full.Load() {
		t.Fatal("the ballast is still there: the WAL write after the fill never met ENOSPC")
	}
	if st := s.Stats(); !st.Full || !st.BallastSpent {
		t.Errorf("Stats() = %+v after the disk filled, want Full and BallastSpent", st)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir, testOptions())
	defer s.Close()
	for _, m := range []*message.Message{first, hit} {
		b, err := s.Body(m.ID)
		if err != nil || string(b) != string(bodyFor(m.ID, int(m.Size))) {
			t.Fatalf("after restart, %s: %d bytes, %v; want its %d-byte body", m.ID, len(b), err, m.Size)
		}
	}
}
