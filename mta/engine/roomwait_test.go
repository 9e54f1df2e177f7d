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
	"github.com/wasmta/wasmta/mta/policy"
)

// TestBacklogIsNotReadAgain queues 200 messages behind a destination that
// holds MAIL, through one connection with room for 5 ready jobs: the rest
// wait parked in the scheduled queues without their envelopes being read
// back from the spool again and again (they were, every 100 ms, while the
// path stayed full), and once the destination answers every message is
// delivered, each read at most about once.
func TestBacklogIsNotReadAgain(t *testing.T) {
	t.Parallel()
	sink, unstall := stallingSink(t)
	e, rec, addr := testEngine(t, routeTo(sink)+"[delivery]\nmax_connections_per_path = 1\n", Options{MaxReadyJobs: 20})
	t.Cleanup(unstall) // before the engine's and the sink's Close
	const n = 200
	sendMany(t, addr, 0, n)
	// 5 jobs in the ready queue, 1 on the stalled connection, the rest
	// scheduled.
	deadline := time.Now().Add(10 * time.Second)
	for e.sched.Len() < n-6 || e.ready.Queued() < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("%d scheduled, %d ready: want %d and 5", e.sched.Len(), e.ready.Queued(), n-6)
		}
		time.Sleep(10 * time.Millisecond)
	}
	before := e.loads.Load()
	time.Sleep(1500 * time.Millisecond)
	if again := e.loads.Load() - before; again != 0 {
		t.Fatalf("the dispatchers read %d envelopes in 1.5 s while the destination was stalled: want none", again)
	}
	if q := e.ready.Queued(); q > 5 {
		t.Fatalf("%d ready jobs, bound 5", q)
	}
	unstall()
	rec.WaitFor(t, events.Delivery, n, 30*time.Second)
	if d, f := rec.Count(events.Delivery), rec.Count(events.TransientFailure); d != n || f != 0 {
		t.Fatalf("%d delivered, %d deferred", d, f)
	}
	waitSpoolEmpty(t, e)
	loads := e.loads.Load()
	t.Logf("envelopes read by the dispatchers: %d for %d messages (%d while stalled)", loads, n, before)
	if loads > n+n/10 {
		t.Fatalf("the dispatchers read %d envelopes for %d messages: a parked item was read more than once", loads, n)
	}
}

// TestReloadReroutesParkedItems: items parked for room on a stalled path
// are routed again when a reload points their domain at another
// destination, not left to wait for the stalled one.
func TestReloadReroutesParkedItems(t *testing.T) {
	t.Parallel()
	stalled, unstall := stallingSink(t)
	live := testsink.Start(t, testsink.Options{CountOnly: true})
	const delivery = "[delivery]\nmax_connections_per_path = 1\n"
	e, rec, addr := testEngine(t, routeTo(stalled)+delivery, Options{MaxReadyJobs: 20})
	t.Cleanup(unstall)
	const n = 100
	parkedBehindStall(t, e, addr, n)
	if _, err := reloadWith(t, e, routeTo(live)+delivery); err != nil {
		t.Fatal(err)
	}
	// The 6 on the stalled path (5 waiting, 1 on the connection) stay
	// there; the rest go to the live sink.
	rec.WaitFor(t, events.Delivery, n-6, 10*time.Second)
	if live.Count() != n-6 {
		t.Fatalf("the live sink got %d messages, want %d", live.Count(), n-6)
	}
	unstall()
	rec.WaitFor(t, events.Delivery, n, 10*time.Second)
}

// TestPolicyPushReroutesParkedItems: items parked for room on a stalled
// path are routed again within seconds when a new policy version routes
// their domain to another destination, without a reload: they do not wait
// for their fallback due time (at least a minute away).
func TestPolicyPushReroutesParkedItems(t *testing.T) {
	t.Parallel()
	stalled, unstall := stallingSink(t)
	live := testsink.Start(t, testsink.Options{CountOnly: true})
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", route: &policy.Route{Kind: policy.RouteHosts, Hosts: []string{stalled.Addr()}}})
	e, rec, addr := testEngine(t, "[delivery]\nmax_connections_per_path = 1\n", Options{MaxReadyJobs: 20, Registry: reg})
	t.Cleanup(unstall)
	const n = 100
	sendMany(t, addr, 0, n)
	// Those not parked are on the stalled path's connections and in its
	// ready queue: how many depends on the path's cold start.
	parked := waitSettled(t, e, n/2)
	// A check before the push finds nothing to move.
	before := e.loads.Load()
	e.rerouteParked()
	if again := e.loads.Load() - before; again != 0 {
		t.Fatalf("%d envelopes read with the route unchanged", again)
	}
	reg.p.Store(&scriptedPolicy{version: "v2", route: &policy.Route{Kind: policy.RouteHosts, Hosts: []string{live.Addr()}}})
	// The parked items go to the live sink at the next room check; those
	// on the stalled path stay there.
	rec.WaitFor(t, events.Delivery, parked, 10*time.Second)
	if live.Count() != parked {
		t.Fatalf("the live sink got %d messages, want the %d parked", live.Count(), parked)
	}
	unstall()
	rec.WaitFor(t, events.Delivery, n, 10*time.Second)
}

// TestFreshMailQueuesBehindParked: while a backlog waits for room on a
// slow path, fresh mail for it arriving faster than the path sends queues
// behind the backlog instead of taking each slot a job frees: before, the
// express lane won every such race and the backlog waited for the stream
// to end.
func TestFreshMailQueuesBehindParked(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{CountOnly: true, Delay: map[string]time.Duration{testsink.StageData: 20 * time.Millisecond}})
	e, rec, addr := testEngine(t, routeTo(sink)+"[delivery]\nmax_connections_per_path = 1\n", Options{MaxReadyJobs: 20})
	const old = 60
	sendMany(t, addr, 0, old)
	waitScheduled(t, e, old/2)
	parked := e.sched.Len()
	// Streams of fresh mail for 3 s (at most 300 messages), three times
	// faster than the path's 50 a second.
	var fresh atomic.Int32
	var wg sync.WaitGroup
	end := time.Now().Add(3 * time.Second)
	for range 5 {
		wg.Go(func() {
			cl, err := smtp.Dial(addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer cl.Close()
			for time.Now().Before(end) {
				i := fresh.Add(1)
				if i > 300 {
					return
				}
				if err := cl.SendMail("s@sender.test", []string{fmt.Sprintf("fresh%d@example.test", i)}, strings.NewReader(testBody(int(i)))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	nfresh := min(int(fresh.Load()), 300)
	rec.WaitFor(t, events.Delivery, old+nfresh, 60*time.Second)
	// Fresh deliveries before the backlog's last one.
	ahead, lastOld := 0, -1
	all := rec.All(events.Delivery)
	for i, r := range all {
		if !strings.HasPrefix(r.Recipient, "fresh") {
			lastOld = i
		}
	}
	for _, r := range all[:lastOld] {
		if strings.HasPrefix(r.Recipient, "fresh") {
			ahead++
		}
	}
	t.Logf("%d parked of %d, then %d fresh: %d fresh delivered before the backlog's last", parked, old, nfresh, ahead)
	if ahead > 2 {
		t.Fatalf("%d fresh messages delivered before the backlog's last: want the backlog first", ahead)
	}
}

// waitScheduled waits until the scheduled queues hold want items: the
// dispatches of mail already accepted, which will come, so its bound is
// generous (it returns as soon as they are there). A failure says where
// the other items are (TestParkedItemsAdminDeleteAndBounce once found 33
// of 34 after 10 s, at load ~15, and nothing to tell a slow dispatch from
// an item held elsewhere).
func waitScheduled(t *testing.T, e *Engine, want int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for e.sched.Len() < want {
		if time.Now().After(deadline) {
			t.Fatalf("%d scheduled, want %d; %s", e.sched.Len(), want, whereItemsAre(e))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitSettled waits until the scheduled queues hold at least atLeast items
// and stop growing, and returns how many they hold.
func waitSettled(t *testing.T, e *Engine, atLeast int) int {
	t.Helper()
	waitScheduled(t, e, atLeast)
	for last := -1; ; {
		n := e.sched.Len()
		if n == last {
			return n
		}
		last = n
		time.Sleep(300 * time.Millisecond)
	}
}

// stallingSink returns a sink that holds every MAIL until unstall is
// called; the caller registers unstall with t.Cleanup after the engine,
// so that it runs before the engine's and the sink's Close.
func stallingSink(t *testing.T) (*testsink.Sink, func()) {
	open := make(chan struct{})
	var once sync.Once
	unstall := func() { once.Do(func() { close(open) }) }
	sink := testsink.Start(t, testsink.Options{CountOnly: true, Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		if stage == testsink.StageMail {
			<-open
		}
		return nil
	}})
	return sink, unstall
}

// whereItemsAre says, for a failure, where the engine's items are besides
// the scheduled queues: each path's waiting jobs and connections, the
// messages pending and the dispatchers' queue.
func whereItemsAre(e *Engine) string {
	var b strings.Builder
	for _, p := range e.ready.Paths() {
		fmt.Fprintf(&b, "path %s: %d waiting, %d connections; ", p.Key.Site, p.Len(), p.Conns())
	}
	e.pendMu.Lock()
	pending := len(e.pend)
	e.pendMu.Unlock()
	fmt.Fprintf(&b, "%d messages pending, %d items before the dispatchers, %d parked-for-room paths", pending, len(e.dispatchQ), e.roomw.n.Load())
	return b.String()
}
