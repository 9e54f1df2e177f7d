package engine

import (
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/fleet/fleettest"
)

// BenchmarkFleetRelay relays b.N messages (one client, one recipient
// each) through a node alone, through a node of a fleet (a real
// redis-server), and through a node of a fleet whose destination is
// under a shared cap (8 connections, 500 messages/s: a slot leased per
// connection, tokens reserved in batches); with [cluster] it reports the
// Redis round trips per delivered message, heartbeats and syncs included.
func BenchmarkFleetRelay(b *testing.B) {
	for _, mode := range []string{"off", "on", "shared-cap"} {
		on := mode != "off"
		b.Run("cluster="+mode, func(b *testing.B) {
			sink := testsink.Start(b, testsink.Options{})
			cfg := routeTo(sink)
			if mode == "shared-cap" {
				cfg = capSection(sink, 8, 500, 50) + cfg
			}
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
