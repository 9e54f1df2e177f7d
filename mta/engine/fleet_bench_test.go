package engine

import (
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/fleet/fleettest"
)

// BenchmarkFleetRelay relays b.N messages (one client, one recipient
// each) through a node alone and through a node of a fleet (a real
// redis-server); with [cluster] it reports the Redis round trips per
// delivered message, heartbeats and syncs included.
func BenchmarkFleetRelay(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := map[bool]string{false: "cluster=off", true: "cluster=on"}[on]
		b.Run(name, func(b *testing.B) {
			sink := testsink.Start(b, testsink.Options{})
			cfg := routeTo(sink)
			if on {
				cfg = clusterSection("a", fleettest.Start(b).Addr) + cfg
			}
			e, rec, addr := testEngine(b, cfg, Options{})
			var trips int64
			if on {
				trips = e.Fleet().RoundTrips()
			}
			b.ResetTimer()
			for i := range b.N {
				send(b, addr, "a@sender.test", []string{"b@example.test"}, testBody(i))
			}
			rec.WaitFor(b, events.Delivery, b.N, time.Minute)
			b.StopTimer()
			if on {
				b.ReportMetric(float64(e.Fleet().RoundTrips()-trips)/float64(b.N), "redis-trips/msg")
			}
		})
	}
}
