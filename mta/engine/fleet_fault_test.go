package engine

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/fleet/fleettest"
)

// outage is how long TestFleetRedisOutage keeps Redis down: 5 s in make
// test, WASMTA_FLEET_OUTAGE (e.g. 30s) for the full run.
func outage(t *testing.T) time.Duration {
	d := 5 * time.Second
	if v := os.Getenv("WASMTA_FLEET_OUTAGE"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatalf("WASMTA_FLEET_OUTAGE: %v", err)
		}
	}
	return d
}

// TestFleetRedisOutage: two nodes take mail at 15/s each for a
// destination capped fleet-wide at 2 connections and 20/s; Redis is
// killed mid-load and restarted empty after outage(). Every accepted
// message is delivered once, the cap holds throughout (each node keeps to
// half of it while Redis is gone), and the nodes use Redis again after.
func TestFleetRedisOutage(t *testing.T) {
	down := outage(t)
	r := fleettest.Start(t)
	sink := testsink.Start(t, testsink.Options{})
	const perSec, burst = 20, 5
	var nodes []*Engine
	var addrs []string
	for _, name := range []string{"a", "b"} {
		// A heartbeat of 1 s (2 s by default), so that the round trips
		// counted are mostly the limits'.
		cfg := fmt.Sprintf("[cluster]\nnode = %q\nredis = [%q]\nheartbeat = \"1s\"\nnode_ttl = \"3s\"\ntimeout = \"300ms\"\n", name, r.Addr) +
			capSection(sink, 2, perSec, burst) + routeTo(sink)
		e, _, addr := testEngine(t, cfg, Options{})
		nodes, addrs = append(nodes, e), append(addrs, addr)
	}
	waitFor(t, 5*time.Second, "two live nodes", func() bool { return nodes[0].Fleet().LiveNodes() == 2 && nodes[1].Fleet().LiveNodes() == 2 })
	trips := nodes[0].Fleet().RoundTrips() + nodes[1].Fleet().RoundTrips()
	load := startLoad(t, addrs, 15)
	time.Sleep(3 * time.Second)
	r.Stop()
	killed := time.Now()
	waitFor(t, 3*time.Second, "the nodes notice", func() bool { return !nodes[0].Fleet().Up() && !nodes[1].Fleet().Up() })
	time.Sleep(time.Until(killed.Add(down)))
	r.Restart(t)
	back := time.Now()
	waitFor(t, 5*time.Second, "the nodes use Redis again", func() bool { return nodes[0].Fleet().Up() && nodes[1].Fleet().Up() })
	time.Sleep(3 * time.Second)
	accepted := load.stop()
	waitSink(t, sink, accepted, 60*time.Second)
	time.Sleep(500 * time.Millisecond) // a duplicate would come now
	ms := sink.Messages()
	seen := map[string]bool{}
	for _, m := range ms {
		if seen[m.To[0]] {
			t.Errorf("%s delivered twice", m.To[0])
		}
		seen[m.To[0]] = true
	}
	var during []testsink.Received
	for _, m := range ms {
		if m.At.After(killed) && m.At.Before(back) {
			during = append(during, m)
		}
	}
	peakAll, peakDown := maxPerSecond(ms), maxPerSecond(during)
	trips = nodes[0].Fleet().RoundTrips() + nodes[1].Fleet().RoundTrips() - trips
	t.Logf("Redis down %v under load: %d accepted, %d delivered, %d during the outage (%.1f/s); busiest second %d (%d during the outage), peak connections %d; %.2f Redis round trips per delivered message, heartbeats and failed ones included",
		down, accepted, len(ms), len(during), float64(len(during))/down.Seconds(), peakAll, peakDown, sink.PeakOpen(), float64(trips)/float64(len(ms)))
	if len(ms) != accepted {
		t.Errorf("%d messages delivered, %d accepted", len(ms), accepted)
	}
	if sink.PeakOpen() > 2 {
		t.Errorf("%d connections open at once, want 2 at most", sink.PeakOpen())
	}
	// The slack: Redis comes back empty with a full bucket (one burst
	// more), and the sink times transactions a moment after their tokens.
	if limit := perSec + 2*burst + perSec/4; peakAll > limit {
		t.Errorf("%d messages in one second, want %d at most", peakAll, limit)
	}
	if limit := perSec + burst + perSec/4; peakDown > limit {
		t.Errorf("%d messages in one second during the outage, want %d at most", peakDown, limit)
	}
	if rate := float64(len(during)) / down.Seconds(); rate < perSec/2 {
		t.Errorf("%.1f messages a second during the outage: the nodes did not go on delivering", rate)
	}
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// load submits messages to each address at perSec until stopped, each
// to a recipient of its own.
type load struct {
	done     chan struct{}
	wg       sync.WaitGroup
	accepted atomic.Int64
}

func startLoad(t *testing.T, addrs []string, perSec int) *load {
	l := &load{done: make(chan struct{})}
	for i, addr := range addrs {
		l.wg.Go(func() {
			tick := time.NewTicker(time.Second / time.Duration(perSec))
			defer tick.Stop()
			for k := 0; ; k++ {
				select {
				case <-l.done:
					return
				case <-tick.C:
				}
				if err := trySend(addr, "a@sender.test", []string{fmt.Sprintf("n%d-%d@example.test", i, k)}, testBody(k)); err != nil {
					t.Errorf("submission to node %d: %v", i, err)
					continue
				}
				l.accepted.Add(1)
			}
		})
	}
	return l
}

// stop ends the load and returns the messages accepted.
func (l *load) stop() int {
	close(l.done)
	l.wg.Wait()
	return int(l.accepted.Load())
}
