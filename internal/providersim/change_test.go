package providersim

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestGreetingRefusalAboveConnLimit fills one IP's connection budget and
// checks that the next connection gets the provider's 421 as its greeting,
// with and without the grace a closing connection gets.
func TestGreetingRefusalAboveConnLimit(t *testing.T) {
	for i, strict := range []bool{false, true} {
		t.Run(map[bool]string{false: "grace", true: "strict"}[strict], func(t *testing.T) {
			p := quiet(t, "microsoft", fmt.Sprintf("127.0.11.%d", 20+i))
			p.MaxConnsPerIP, p.StrictConnLimit = 2, strict
			sim := startSim(t, p)
			addr := sim.Addr("microsoft")
			mustDial(t, "127.0.0.1", addr)
			mustDial(t, "127.0.0.1", addr)
			_, err := dialFrom(t, "127.0.0.1", addr)
			se := smtpErr(err)
			if se == nil || se.Code != 421 || se.EnhancedCode != [3]int{4, 7, 652} ||
				!strings.Contains(se.Message, "exceeded the maximum number of connections") {
				t.Fatalf("third connection: %v, want the 421 4.7.652 greeting", err)
			}
			st := sim.Stats()["microsoft"].PerIP["127.0.0.1"]
			if st.ConnsOpened != 3 || st.ConnsRefused != 1 {
				t.Fatalf("counters %+v, want 3 opened, 1 refused", st.Counters)
			}
		})
	}
}

// TestSetConnLimit lowers the limit below the open connections: they stay,
// new ones are refused until enough have closed; 0 lifts the limit.
func TestSetConnLimit(t *testing.T) {
	p := quiet(t, "apple", "127.0.11.22")
	p.MaxConnsPerIP = 3
	sim := startSim(t, p)
	addr := sim.Addr("apple")
	a := mustDial(t, "127.0.0.1", addr)
	b := mustDial(t, "127.0.0.1", addr)
	if err := sim.SetConnLimit("apple", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := send(a, "x@icloud.test"); err != nil {
		t.Fatalf("an open connection after the change: %v", err)
	}
	if _, err := dialFrom(t, "127.0.0.1", addr); smtpErr(err) == nil || smtpErr(err).Code != 421 {
		t.Fatalf("new connection over the lowered limit: %v, want 421", err)
	}
	a.Quit()
	b.Quit()
	stats := func() IPStats { return sim.Stats()["apple"].PerIP["127.0.0.1"] }
	waitFor(t, "connections to close", func() bool { return stats().ConnsNow == 0 })
	mustDial(t, "127.0.0.1", addr)
	if _, err := dialFrom(t, "127.0.0.1", addr); smtpErr(err) == nil {
		t.Fatalf("second connection at limit 1: %v, want 421", err)
	}
	if err := sim.SetConnLimit("apple", 0); err != nil {
		t.Fatal(err)
	}
	mustDial(t, "127.0.0.1", addr)
	if err := sim.SetConnLimit("nobody", 1); err == nil {
		t.Fatal("SetConnLimit of an unknown provider: no error")
	}
}

// TestLimitChangeOnTimer checks that a scheduled change waits for the
// first connection, then takes effect for the rate and the connection
// limit at once, and is reported in the stats.
func TestLimitChangeOnTimer(t *testing.T) {
	const after = 300 * time.Millisecond
	p := quiet(t, "gmail", "127.0.11.23")
	p.MaxConnsPerIP, p.RatePerIP, p.Burst = 4, 1000, 1000
	p.Changes = []LimitChange{{After: after, RatePerIP: 0.001, Burst: 1, MaxConnsPerIP: 1}}
	sim := startSim(t, p)
	addr := sim.Addr("gmail")
	time.Sleep(after + 100*time.Millisecond)
	if ch := sim.Stats()["gmail"].Changes; len(ch) != 0 {
		t.Fatalf("a change applied before any connection: %+v", ch)
	}
	t0 := time.Now()
	c := mustDial(t, "127.0.0.1", addr)
	for range 5 {
		if _, err := send(c, "a@gmail.test"); err != nil {
			t.Fatalf("before the change: %v", err)
		}
	}
	waitFor(t, "the change", func() bool { return len(sim.Stats()["gmail"].Changes) == 1 })
	ch := sim.Stats()["gmail"].Changes[0]
	if ch.At.Sub(t0) < after || ch.RatePerIP != 0.001 || ch.Burst != 1 || ch.MaxConnsPerIP != 1 {
		t.Fatalf("applied %+v (%v after the first connection), want rate 0.001 burst 1 conns 1 after %v", ch, ch.At.Sub(t0), after)
	}
	if _, err := dialFrom(t, "127.0.0.1", addr); smtpErr(err) == nil || smtpErr(err).Code != 421 {
		t.Fatalf("second connection after the change to 1: %v, want 421", err)
	}
	throttled := false
	for range 2 { // at most the one token of the new burst gets through
		stage, err := send(c, "a@gmail.test")
		if se := smtpErr(err); se != nil && se.Code == p.ThrottleReply.Code && stage == p.ThrottleAt {
			throttled = true
			break
		}
		if err != nil {
			t.Fatalf("after the change: %s: %v", stage, err)
		}
	}
	if !throttled {
		t.Fatal("two messages after the rate fell to 0.001/s with burst 1: none throttled")
	}
}
