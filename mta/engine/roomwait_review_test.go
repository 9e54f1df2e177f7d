package engine

import (
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/shaping"
)

// parkedBehindStall sends n messages behind a destination that holds
// MAIL, through one connection with room for 5 ready jobs, and waits
// until all but the 6 on the path are parked in the scheduled queues.
func parkedBehindStall(t *testing.T, e *Engine, addr string, n int) {
	t.Helper()
	sendMany(t, addr, 0, n)
	waitScheduled(t, e, n-6)
}

const onePathOfFive = "[delivery]\nmax_connections_per_path = 1\n"

// TestParkedItemsExpireOnTime: an item parked for room on a path that
// stays full expires at the end of its max age with an Expiration record,
// not at its fallback due time a minute or more later.
func TestParkedItemsExpireOnTime(t *testing.T) {
	t.Parallel()
	sink, unstall := stallingSink(t)
	e, rec, addr := testEngine(t, routeTo(sink)+onePathOfFive+"[queue]\nmax_age = \"2s\"\n", Options{MaxReadyJobs: 20})
	t.Cleanup(unstall)
	const n = 60
	t0 := time.Now()
	parkedBehindStall(t, e, addr, n)
	rec.WaitFor(t, events.Expiration, n-6, 10*time.Second)
	t.Logf("%d parked items expired %v after the first was sent (max age 2 s)", rec.Count(events.Expiration), time.Since(t0))
	if d := rec.Count(events.Delivery); d != 0 {
		t.Fatalf("%d delivered through a stalled destination", d)
	}
}

// TestParkedItemsAdminDeleteAndBounce: an admin delete of one parked
// message and a bounce of the rest end each with an AdminBounce record;
// what was on the path is delivered once the destination answers, the
// spool ends empty and nothing is left waiting for room.
func TestParkedItemsAdminDeleteAndBounce(t *testing.T) {
	t.Parallel()
	sink, unstall := stallingSink(t)
	e, rec, addr := testEngine(t, routeTo(sink)+onePathOfFive, Options{MaxReadyJobs: 20})
	t.Cleanup(unstall)
	const n = 40
	parkedBehindStall(t, e, addr, n)
	items, _ := e.ListScheduled(message.Selector{}, "", 1)
	if len(items) != 1 {
		t.Fatalf("listed %v", items)
	}
	id, err := message.ParseID(items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Delete(id, "", "review"); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, events.AdminBounce, 1, 5*time.Second)
	res := e.Bounce(message.Selector{Domain: "example.test"}, "review")
	t.Logf("bounced %+v", res)
	rec.WaitFor(t, events.AdminBounce, 1+res.Recipients, 5*time.Second)
	unstall()
	rec.WaitFor(t, events.Delivery, n-1-res.Recipients, 10*time.Second)
	waitSpoolEmpty(t, e)
	if got := rec.Count(events.AdminBounce) + rec.Count(events.Delivery); got != n {
		t.Fatalf("%d AdminBounce + Delivery records, want %d", got, n)
	}
	deadline := time.Now().Add(3 * roomCheck)
	for e.roomw.n.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d paths still remembered as having parked items", e.roomw.n.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestParkedItemsSurviveRestart: the engine stops while items are parked
// for room behind a stalled destination; started again on the same spool
// with a route to a destination that answers, every message is delivered.
func TestParkedItemsSurviveRestart(t *testing.T) {
	t.Parallel()
	stalled, unstall := stallingSink(t)
	live := testsink.Start(t, testsink.Options{CountOnly: true})
	dir := t.TempDir()
	e, _, addr := startAt(t, dir, routeTo(stalled)+onePathOfFive, Options{MaxReadyJobs: 20})
	t.Cleanup(unstall)
	const n = 60
	parkedBehindStall(t, e, addr, n)
	closed := make(chan error, 1)
	go func() { closed <- e.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Logf("close: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the engine did not stop with items parked behind a stalled destination")
	}
	e2, rec2, _ := startAt(t, dir, routeTo(live)+onePathOfFive, Options{MaxReadyJobs: 20})
	rec2.WaitFor(t, events.Delivery, n, 20*time.Second)
	waitSpoolEmpty(t, e2)
	if live.Count() != n {
		t.Fatalf("the live sink got %d messages, want %d", live.Count(), n)
	}
}

// TestFivexxThrottleExpires: a destination that answers every attempt
// with a 5xx rate refusal (QQ's "550 Connection frequency limited":
// RateLimited, retried although it is a 5xx since 1c844a6) is retried,
// not bounced, and the message ends with an Expiration record at its max
// age instead of retrying for ever. (Gmail's "550 5.2.1 ... receiving
// mail at a rate", which this test used until 2026-12, is one mailbox's
// limit and waits a minute, past this test's max age:
// TestMailboxReceivingRateDefersOnlyThatRecipient.)
func TestFivexxThrottleExpires(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		if stage == testsink.StageRcpt {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.NoEnhancedCode,
				Message: "Connection frequency limited. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000722"}
		}
		return nil
	}})
	_, rec, addr := testEngine(t, routeTo(sink)+"[queue]\nmax_age = \"8s\"\n", Options{})
	send(t, addr, "s@sender.test", []string{"r@example.test"}, testBody(1))
	rec.WaitFor(t, events.Expiration, 1, 30*time.Second)
	if b, f := rec.Count(events.Bounce), rec.Count(events.TransientFailure); b != 0 || f == 0 {
		t.Fatalf("%d bounced, %d deferred: want the throttle retried", b, f)
	}
	if c := rec.All(events.TransientFailure)[0].Category; c != "RateLimited" {
		t.Fatalf("deferred as %q, want RateLimited", c)
	}
}

// TestParkedItemsSuspendAndResume: an admin suspension of the site of a
// full path holds what waited on it; items parked for room there stay in
// the scheduled queues; once the suspension is cancelled and the
// destination answers, every message is delivered exactly once.
func TestParkedItemsSuspendAndResume(t *testing.T) {
	t.Parallel()
	sink, unstall := stallingSink(t)
	e, rec, addr := testEngine(t, routeTo(sink)+onePathOfFive, Options{MaxReadyJobs: 20})
	t.Cleanup(unstall)
	const n = 60
	parkedBehindStall(t, e, addr, n)
	a, _, err := e.Shaping().Add(shaping.Action{Kind: shaping.Suspend, Select: shaping.Selector{Site: "route:" + sink.Addr()},
		Origin: shaping.OriginAdmin, Reason: "review", Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * roomCheck / 2) // a refill passes over the suspended path
	if got := e.sched.Len(); got < n-1 {
		t.Fatalf("%d scheduled during the suspension, want at least %d", got, n-1)
	}
	if _, err := e.Shaping().Cancel(a.ID, "review over"); err != nil {
		t.Fatal(err)
	}
	unstall()
	rec.WaitFor(t, events.Delivery, n, 20*time.Second)
	waitSpoolEmpty(t, e)
	if d := rec.Count(events.Delivery); d != n || sink.Count() != n {
		t.Fatalf("%d Delivery records, the sink got %d: want %d", d, sink.Count(), n)
	}
}
