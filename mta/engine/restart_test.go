package engine

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
)

// TestRestartWithThousandsQueued defers a few thousand messages, restarts
// the engine on the same spool and checks that every one is queued again
// and then delivered.
func TestRestartWithThousandsQueued(t *testing.T) {
	const n = 3000
	sink, accept := deferringSink(t)
	dir := t.TempDir()
	cfg := routeTo(sink) + "[queue]\nretry_initial = \"1s\"\nretry_jitter = 0.0\n"
	e, rec, addr := startAt(t, dir, cfg, Options{})
	sendMany(t, addr, 0, n)
	rec.WaitFor(t, events.TransientFailure, n, 30*time.Second)
	e.Close()

	accept()
	t0 := time.Now()
	e2, rec2, _ := startAt(t, dir, cfg, Options{})
	// Counted at rebuild: by now the dispatchers may have taken some.
	if e2.rebuilt != n {
		t.Fatalf("after restart %d messages queued again, want %d", e2.rebuilt, n)
	}
	t.Logf("restart to ready with %d queued: %v", n, time.Since(t0))
	rec2.WaitFor(t, events.Delivery, n, 30*time.Second)
	waitSpoolEmpty(t, e2)
}

// TestSpoolFullRefusesWith452 makes the spool demand more free space than
// the disk has: reception must answer 452 4.3.1 and keep what it accepted.
func TestSpoolFullRefusesWith452(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	dir := t.TempDir()
	e, rec, addr := startAt(t, dir, routeTo(sink), Options{})
	send(t, addr, "s@sender.test", []string{"r@example.test"}, testBody(1))
	rec.WaitFor(t, events.Delivery, 1, 5*time.Second)
	e.Close()

	e2, _, addr2 := startAtWith(t, dir, routeTo(sink), Options{}, func(minFree *int64) { *minFree = 1 << 60 })
	err := trySend(addr2, "s@sender.test", []string{"r@example.test"}, testBody(2))
	serr, ok := err.(*smtp.SMTPError)
	if !ok || serr.Code != 452 || serr.EnhancedCode != (smtp.EnhancedCode{4, 3, 1}) {
		t.Fatalf("send to a full spool: %v, want 452 4.3.1", err)
	}
	if e2.sched.Len() != 0 || sink.Count() != 1 {
		t.Fatalf("full spool changed the queue (%d) or delivered (%d)", e2.sched.Len(), sink.Count())
	}
}

// TestReceivesWhileRebuilding restarts on a spool with a queue to rebuild
// and sends new mail at once, without waiting for the rebuild: the
// listener accepts while the rebuild runs, the rebuild queues exactly the
// messages that were stored before the start, and every message, old or
// new, is delivered exactly once.
func TestReceivesWhileRebuilding(t *testing.T) {
	const old, fresh = 2000, 100
	sink, accept := deferringSink(t)
	dir := t.TempDir()
	cfg := routeTo(sink) + "[queue]\nretry_initial = \"1s\"\nretry_jitter = 0.0\n"
	e, rec, addr := startAt(t, dir, cfg, Options{})
	sendMany(t, addr, 0, old)
	rec.WaitFor(t, events.TransientFailure, old, 30*time.Second)
	e.Close()

	accept()
	e2, rec2 := startNoWait(t, dir, cfg, Options{}, func(*int64) {})
	sendMany(t, e2.SMTPAddrs()[0].String(), old, old+fresh)
	<-e2.Rebuilt()
	if e2.RebuildErr() != nil || e2.rebuilt != old {
		t.Fatalf("the rebuild queued %d messages (%v), want the %d stored before the start", e2.rebuilt, e2.RebuildErr(), old)
	}
	rec2.WaitFor(t, events.Delivery, old+fresh, 30*time.Second)
	waitSpoolEmpty(t, e2)
	seen := map[string]int{}
	for _, r := range rec2.All(events.Delivery) {
		seen[r.Recipient]++
	}
	for r, n := range seen {
		if n != 1 {
			t.Errorf("%s delivered %d times", r, n)
		}
	}
	if len(seen) != old+fresh {
		t.Errorf("%d recipients delivered, want %d", len(seen), old+fresh)
	}
}

// deferringSink starts a sink that answers every recipient 451 until
// accept is called.
func deferringSink(t *testing.T) (sink *testsink.Sink, accept func()) {
	var refusing atomic.Bool
	refusing.Store(true)
	sink = testsink.Start(t, testsink.Options{CountOnly: true, Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		if refusing.Load() && stage == testsink.StageRcpt {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "not now"}
		}
		return nil
	}})
	return sink, func() { refusing.Store(false) }
}

// sendMany sends messages to r<from>..r<to-1>@example.test over 10
// sessions.
func sendMany(t *testing.T, addr string, from, to int) {
	t.Helper()
	var wg sync.WaitGroup
	for c := range 10 {
		wg.Go(func() {
			cl, err := smtp.Dial(addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer cl.Close()
			for i := from + c; i < to; i += 10 {
				if err := cl.SendMail("s@sender.test", []string{fmt.Sprintf("r%d@example.test", i)}, strings.NewReader(testBody(i))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
