package conformance

import (
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
)

// BenchmarkMessage is what the conformance policy costs per relayed
// message, the load of the policy scenario of make bench: wasmta calls
// on_rcpt and select_pool for every message (route and shape answers are
// cached; the other hooks are not declared). One op is one message; the
// cpu-ns/op metric is the figure to set against the engine's CPU per
// message (docs/benchmarks.md, "Policy cost").
func BenchmarkMessage(b *testing.B) {
	rep := &policy.Reputation{Tenant1h: policy.ReputationCounts{Deliveries: 1200, Complaints: 1},
		Tenant24h: policy.ReputationCounts{Deliveries: 25000, Bounces: 300, Complaints: 9}}
	peer := policy.Peer{Addr: "127.0.0.1:40312", Helo: "source.bench.example"}
	rcpt := &policy.RcptInput{Peer: peer, Sender: "sender@source.bench.example", Recipient: "rcpt@bench.example"}
	pool := &policy.PoolInput{Domain: "bench.example", Site: "mx.bench.example", Reputation: rep}
	b.Run("native", func(b *testing.B) {
		loop(b, func(int) {
			sink, _ = native{}.OnRcpt(ctx, rcpt)
			sink, _ = native{}.SelectPool(ctx, pool)
		})
	})
	for _, name := range Languages {
		b.Run(name, func(b *testing.B) {
			m := guarded.modules(b, false)[name]
			loop(b, func(int) {
				r, err := m.OnRcpt(ctx, rcpt)
				if !noOpinion(err) {
					b.Fatal(err)
				}
				p, err := m.SelectPool(ctx, pool)
				if !noOpinion(err) {
					b.Fatal(err)
				}
				sink, sink = r, p
			})
		})
	}
}
