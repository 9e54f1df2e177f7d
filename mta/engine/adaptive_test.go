package engine

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

// A provider that allows fewer connections and a lower rate than the
// path's preset: the path learns both down, every message is delivered
// within the test (throttled mail comes back at the path's pace, not after
// the hour of retry_initial), and the provider is throttled a few times,
// not once per message over its rate.
func TestPathLearnsAProvidersLimits(t *testing.T) {
	const conns, rate, n = 2, 20.0, 120
	prov := providersim.Provider{Name: "prov", Addr: "127.0.0.1:0",
		MaxConnsPerIP:  conns,
		ConnLimitReply: providersim.Reply{Code: 421, Enhanced: "4.7.0", Text: "Too many connections", Close: true},
		RatePerIP:      rate, Burst: 5, ThrottleAt: providersim.StageMail,
		ThrottleReply: providersim.Reply{Code: 451, Enhanced: "4.7.28", Text: "Our system has detected an unusual rate of mail"},
		Latency:       providersim.Latency{DataEnd: providersim.Delay{Fixed: 10 * time.Millisecond}}}
	sim, err := providersim.Start(context.Background(), []providersim.Provider{prov}, providersim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	reg := &swapRegistry{}
	// Three times the connections and four times the rate the provider takes.
	reg.p.Store(&scriptedPolicy{version: "v1", shape: policy.Shape{MaxConnections: 3 * conns, MessagesPerSecond: 4 * rate,
		MessagesPerConn: 20, RetryInitial: time.Hour, RetryMax: 4 * time.Hour, MaxAge: 24 * time.Hour}})
	toml := fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%q]\n", sim.Addr("prov"))
	dir := t.TempDir()
	e, rec, addr := startAt(t, dir, toml, Options{Registry: reg})
	t0 := time.Now()
	for i := range n {
		send(t, addr, "s@sender.test", []string{fmt.Sprintf("r%d@example.test", i)}, testBody(i))
	}
	rec.WaitFor(t, events.Delivery, n, 90*time.Second)
	took := time.Since(t0)
	st := sim.Stats()["prov"].Total
	paths := e.ready.Paths()
	if len(paths) != 1 {
		t.Fatalf("%d paths, want 1", len(paths))
	}
	configured, learned := paths[0].Limits()
	t.Logf("%d delivered in %v; provider: %d throttled, %d connections refused; configured %+v, learned %+v",
		n, took.Round(time.Millisecond), st.Throttled, st.ConnsRefused, configured, learned)
	if learned.Rate > 1.5*rate || learned.Conns > conns+1 {
		t.Fatalf("learned %+v, want at most %v msg/s and %d connections (the provider's %v and %d, with room for one step)",
			learned, 1.5*rate, conns+1, rate, conns)
	}
	if st.Throttled > n/3 {
		t.Fatalf("the provider throttled %d of %d messages", st.Throttled, n)
	}

	// A restart keeps what the path learned (decayed by seconds: nothing).
	e.Close()
	e2, rec2, addr2 := startAt(t, dir, toml, Options{Registry: reg})
	send(t, addr2, "s@sender.test", []string{"again@example.test"}, testBody(n))
	rec2.WaitFor(t, events.Delivery, 1, 10*time.Second)
	_, again := e2.ready.Paths()[0].Limits()
	if again.Conns != learned.Conns || math.Abs(again.Rate-learned.Rate) > 0.1 {
		t.Fatalf("after a restart the path starts at %+v, want what it learned: %+v", again, learned)
	}
}

// A route where nothing listens: after three failed dials the path is
// dead, the messages waiting are deferred once each, and mail that falls
// due during the back-off waits in its scheduled queue without an attempt.
func TestDeadPathBacksOffWithoutAttempts(t *testing.T) {
	toml := fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [\"127.0.0.1:%d\"]\n[queue]\nretry_initial = \"1h\"\n", freePort(t))
	e, rec, addr := testEngine(t, toml, Options{})
	for i := range 3 {
		send(t, addr, "s@sender.test", []string{fmt.Sprintf("r%d@example.test", i)}, testBody(i))
	}
	rec.WaitFor(t, events.TransientFailure, 3, 20*time.Second)
	for _, r := range rec.All(events.TransientFailure) {
		if r.NextAttempt == nil || r.NextAttempt.Sub(r.Time) < 29*time.Second || r.NextAttempt.Sub(r.Time) > time.Hour {
			t.Fatalf("deferral %+v: want the next attempt at the end of the path's back-off (30 s)", r)
		}
	}
	paths := e.ready.Paths()
	if len(paths) != 1 || paths[0].BackedOff().IsZero() {
		t.Fatalf("%d paths, want one backed off", len(paths))
	}
	// During the back-off: no dial, no attempt, the item waits scheduled.
	send(t, addr, "s@sender.test", []string{"later@example.test"}, testBody(9))
	time.Sleep(time.Second)
	if n := rec.Count(events.TransientFailure); n != 3 {
		t.Fatalf("%d deferrals after a message came during the back-off, want still 3", n)
	}
	if got := e.sched.Len(); got != 4 {
		t.Fatalf("%d items in the scheduled queues, want the 4 messages", got)
	}
}
