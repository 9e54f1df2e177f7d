package engine

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/fleet/fleettest"
	"github.com/wasmta/wasmta/mta/shaping"
)

// capSection is a [[cluster.limit]] on the static route to sink.
func capSection(sink *testsink.Sink, conns, perSec, burst int) string {
	return fmt.Sprintf("[[cluster.limit]]\nsite = \"route:%s\"\nmax_connections = %d\nmessages_per_second = %d\nburst = %d\n",
		sink.Addr(), conns, perSec, burst)
}

// TestFleetSharedCap: two nodes loaded at once keep together to a
// fleet-wide cap on the destination: at most 2 connections open at the
// sink, and no second in which it took more than the rate plus the burst.
func TestFleetSharedCap(t *testing.T) {
	r := fleettest.Start(t)
	sink := testsink.Start(t, testsink.Options{})
	const n, perSec, burst = 40, 20, 5
	var nodes []*Engine
	var addrs []string
	for _, name := range []string{"a", "b"} {
		e, _, addr := testEngine(t, clusterSection(name, r.Addr)+capSection(sink, 2, perSec, burst)+routeTo(sink), Options{})
		nodes, addrs = append(nodes, e), append(addrs, addr)
	}
	// Connections end after 4 messages, so that the two nodes' paths take
	// turns with the slots.
	if _, _, err := nodes[0].Shaping().Add(shaping.Action{Kind: shaping.Shape, Select: shaping.Selector{Site: "route:" + sink.Addr()},
		Shape: &shaping.Override{MessagesPerConnection: 4}, Origin: shaping.OriginAdmin, Reason: "test", Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the action reaches b
	start := time.Now()
	var wg sync.WaitGroup
	for i, addr := range addrs {
		wg.Go(func() {
			for k := range n {
				send(t, addr, "a@sender.test", []string{fmt.Sprintf("r%d-%d@example.test", i, k)}, testBody(k))
			}
		})
	}
	wg.Wait()
	waitSink(t, sink, 2*n, 30*time.Second)
	took := time.Since(start)
	peak := maxPerSecond(sink.Messages())
	t.Logf("2 nodes, %d messages, cap %d/s burst %d, 2 connections: %v, busiest second %d, peak connections %d",
		2*n, perSec, burst, took, peak, sink.PeakOpen())
	if sink.PeakOpen() > 2 {
		t.Errorf("%d connections open at once, want 2 at most", sink.PeakOpen())
	}
	// Tokens bound when transactions start; the sink sees them end, a
	// transaction later: allow a quarter second of jitter on a loaded machine.
	if peak > perSec+burst+perSec/4 {
		t.Errorf("%d messages in one second, want %d at most (%d and the jitter)", peak, perSec+burst+perSec/4, perSec+burst)
	}
	if min := time.Duration(float64(2*n-burst) / perSec * float64(time.Second)); took < min*9/10 {
		t.Errorf("%d messages took %v, the cap allows no less than %v", 2*n, took, min)
	}
}

func waitSink(t *testing.T, sink *testsink.Sink, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for sink.Count() < n {
		if time.Now().After(deadline) {
			t.Fatalf("the sink has %d messages after %v, want %d", sink.Count(), within, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// maxPerSecond is the most messages received within any one second.
func maxPerSecond(ms []testsink.Received) int {
	at := make([]time.Time, len(ms))
	for i, m := range ms {
		at[i] = m.At
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	best, j := 0, 0
	for i := range at {
		for at[i].Sub(at[j]) >= time.Second {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// TestFleetTenantRate: a tenant's messages_per_minute holds for the
// fleet: two nodes each offered 15 messages at once accept the minute's
// 20 between them, and refuse the rest with 450 4.7.1.
func TestFleetTenantRate(t *testing.T) {
	r := fleettest.Start(t)
	sink := testsink.Start(t, testsink.Options{})
	tenant := "[[tenant]]\nname = \"acme\"\n" + smtpUser(t, "acme", "pw") + "messages_per_minute = 20\n"
	accepted := 0
	var start time.Time // the first transaction: the bucket refills from then on
	for _, name := range []string{"a", "b"} {
		_, _, addr := testEngine(t, clusterSection(name, r.Addr)+routeTo(sink)+tenant, Options{})
		c, err := smtp.Dial(addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Hello("client.test"); err != nil {
			t.Fatal(err)
		}
		if err := c.Auth(sasl.NewPlainClient("", "acme", "pw")); err != nil {
			t.Fatal(err)
		}
		for range 15 {
			if start.IsZero() {
				start = time.Now()
			}
			_, err := smtpTx(c, []string{"a@x.example"}, "From: a@sender.example\r\nSubject: s\r\n\r\nx\r\n")
			if err == nil {
				accepted++
				continue
			}
			wantCode(t, "message past the fleet's rate", err, 450, "4.7.1")
		}
	}
	// A token comes back every 3 s: on a loaded machine (CI, -race) the
	// 30 transactions and the second node's start take several seconds.
	took := time.Since(start)
	refilled := int(took / (3 * time.Second))
	t.Logf("tenant at 20/min on two nodes, 30 offered in %v: %d accepted", took, accepted)
	if accepted < 20 || accepted > 21+refilled {
		t.Errorf("accepted %d in %v, want the minute's 20 (up to %d with the tokens that came meanwhile)", accepted, took, 21+refilled)
	}
}
