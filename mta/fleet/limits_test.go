package fleet

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/fleet/fleettest"
)

// TestSharedRate: three nodes sending as fast as a shared 100/s rate
// (burst 10) lets them for 3 s send 300 + 10 messages at most together,
// and not much fewer; Redis round trips stay well below one per message.
func TestSharedRate(t *testing.T) {
	r := fleettest.Start(t)
	var nodes []*Fleet
	for _, n := range []string{"a", "b", "c"} {
		// The default heartbeat's pace, so that the round trips counted
		// are those of the rate, not of a test's fast heartbeat.
		c := clusterConfig(n, r.Addr)
		c.Heartbeat, c.NodeTTL = time.Second, 3*time.Second
		nodes = append(nodes, startNode(t, c).f)
	}
	eventually(t, 3*time.Second, "three live nodes", func() bool { return nodes[0].LiveNodes() == 3 && nodes[2].LiveNodes() == 3 })
	const perSec, burst, run = 100, 10, 3 * time.Second
	total, trips := sendFor(nodes, run, func(f *Fleet) time.Duration { return f.Rate("test", perSec, burst).Take(context.Background(), 1) })
	limit := perSec*run.Seconds() + burst
	t.Logf("3 nodes, shared %d/s for %v: %d messages (%.1f/s), %.3f Redis round trips per message",
		perSec, run, total, float64(total)/run.Seconds(), float64(trips)/float64(total))
	if float64(total) > limit || float64(total) < 0.85*limit {
		t.Errorf("sent %d, want %.0f at most and 85%% of it at least", total, limit)
	}
	if float64(trips)/float64(total) > 0.5 {
		t.Errorf("%d round trips for %d messages", trips, total)
	}
}

// sendFor runs one sender per node for d, each taking tokens with take
// and sleeping what it says; it returns the messages sent and the round
// trips the nodes made meanwhile (heartbeats included).
func sendFor(nodes []*Fleet, d time.Duration, take func(*Fleet) time.Duration) (int, int64) {
	var total atomic.Int64
	var trips int64
	for _, f := range nodes {
		trips -= f.RoundTrips()
	}
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	for _, f := range nodes {
		wg.Go(func() {
			for time.Now().Before(end) {
				if w := take(f); w > 0 {
					time.Sleep(min(w, time.Until(end)))
					continue
				}
				total.Add(1)
			}
		})
	}
	wg.Wait()
	for _, f := range nodes {
		trips += f.RoundTrips()
	}
	return int(total.Load()), trips
}

// TestSharedSlots: a connection limit of 3 holds across two nodes, on a
// single Redis and on a Redis Cluster; a released slot is free at once;
// a node that dies without releasing (its leases no longer renewed)
// gives its slots back within slot_ttl.
func TestSharedSlots(t *testing.T) {
	for _, tc := range []struct {
		name  string
		addrs func(t *testing.T) []string
	}{
		{"single", func(t *testing.T) []string { return []string{fleettest.Start(t).Addr} }},
		{"cluster", func(t *testing.T) []string { return fleettest.StartCluster(t).Seeds() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addrs := tc.addrs(t)
			// slot_ttl 2 s: renewals every 0.67 s keep a lease alive even
			// when a loaded machine delays one of them.
			ca, cb := clusterConfig("a", addrs...), clusterConfig("b", addrs...)
			ca.SlotTTL, cb.SlotTTL = 2*time.Second, 2*time.Second
			a, b := startNode(t, ca).f, startNode(t, cb).f
			var rels []func()
			for range 2 {
				rels = append(rels, mustAcquire(t, a.Slots("mx", 3)))
			}
			relB := mustAcquire(t, b.Slots("mx", 3))
			if rel, _ := b.Slots("mx", 3).Acquire(context.Background()); rel != nil {
				t.Fatal("a fourth slot of 3 was granted")
			}
			relB()
			mustAcquire(t, b.Slots("mx", 3))
			// Longer than slot_ttl passes: leases renewed by a live node stay.
			time.Sleep(2500 * time.Millisecond)
			if rel, _ := b.Slots("mx", 3).Acquire(context.Background()); rel != nil {
				t.Fatal("a renewed lease lapsed")
			}
			a.crash()
			took := eventually(t, 4*time.Second, "a's slots come back", func() bool {
				rel, _ := b.Slots("mx", 3).Acquire(context.Background())
				return rel != nil
			})
			t.Logf("slots of a crashed node free again after %v (slot_ttl 2s)", took)
			_ = rels
		})
	}
}

func mustAcquire(t *testing.T, s *Slots) func() {
	t.Helper()
	rel, _ := s.Acquire(context.Background())
	if rel == nil {
		t.Fatal("no slot")
	}
	return rel
}

// TestSharedLimitsFallback: with Redis down, each of two nodes keeps to
// half a shared limit (the live node count it knew last), and leases
// taken meanwhile are written back when Redis returns.
func TestSharedLimitsFallback(t *testing.T) {
	r := fleettest.Start(t)
	a := startNode(t, clusterConfig("a", r.Addr)).f
	b := startNode(t, clusterConfig("b", r.Addr)).f
	eventually(t, 2*time.Second, "two live nodes", func() bool { return a.LiveNodes() == 2 })
	r.Stop()
	eventually(t, 5*time.Second, "a notices the outage", func() bool { return !a.Up() })
	if rel, _ := a.Slots("mx", 4).Acquire(context.Background()); rel != nil {
		t.Fatal("a slot granted while the fleet settles after Redis went away")
	}
	eventually(t, 3*time.Second, "the outage settles", func() bool { return !a.settling() })
	s := a.Slots("mx", 4)
	mustAcquire(t, s)
	mustAcquire(t, s)
	if rel, _ := s.Acquire(context.Background()); rel != nil {
		t.Fatal("a third slot of 4 granted to one of two nodes while Redis is down")
	}
	total, _ := sendFor([]*Fleet{a}, 2*time.Second, func(f *Fleet) time.Duration { return f.Rate("test", 100, 10).Take(context.Background(), 1) })
	t.Logf("one of two nodes, Redis down, shared 100/s for 2 s: %d messages", total)
	if total > 50*2+5 || total < 60 {
		t.Errorf("sent %d with Redis down, want about 100 (half of 100/s for 2 s)", total)
	}
	r.Restart(t)
	eventually(t, 5*time.Second, "leases written back", func() bool {
		n, _ := b.Client().ZCard(context.Background(), keySlotsPfx+"mx").Result()
		return n == 2
	})
}
