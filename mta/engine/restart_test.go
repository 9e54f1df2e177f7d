package engine

import (
	"fmt"
	"strings"
	"sync"
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
	var refuse sync.Mutex
	refusing := true
	sink := testsink.Start(t, testsink.Options{CountOnly: true, Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		refuse.Lock()
		defer refuse.Unlock()
		if refusing && stage == testsink.StageRcpt {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "not now"}
		}
		return nil
	}})
	dir := t.TempDir()
	cfg := routeTo(sink) + "[queue]\nretry_initial = \"1s\"\nretry_jitter = 0.0\n"
	e, rec, addr := startAt(t, dir, cfg, Options{})
	var wg sync.WaitGroup
	for c := 0; c < 10; c++ {
		wg.Go(func() {
			cl, err := smtp.Dial(addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer cl.Close()
			for i := c; i < n; i += 10 {
				body := testBody(i)
				if err := cl.SendMail("s@sender.test", []string{fmt.Sprintf("r%d@example.test", i)}, strings.NewReader(body)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	rec.WaitFor(t, events.TransientFailure, n, 30*time.Second)
	e.Close()

	refuse.Lock()
	refusing = false
	refuse.Unlock()
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
