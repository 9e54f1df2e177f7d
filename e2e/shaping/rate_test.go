package shaping

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/mta/policy"
)

// TestRateAndConnectionsPerPath sends through two sources with different
// limits and checks, at the provider, the rate of each path in steady
// state (±10%) and its peak of concurrent connections. The buckets are one
// message deep, so that any whole second is steady state.
func TestRateAndConnectionsPerPath(t *testing.T) {
	t.Parallel()
	// Learning off: the test measures that the limits a policy gives are
	// enforced exactly (a learning path would raise them after 5 s).
	off := policy.Adaptation{Off: true}
	limits := map[string]policy.Shape{
		"ip2": {MessagesPerSecond: 10, MessageBurst: 1, MaxConnections: 2, Adapt: off},
		"ip3": {MessagesPerSecond: 20, MessageBurst: 1, MaxConnections: 3, Adapt: off},
	}
	gen := quiet("gen", "gen.test")
	gen.Latency.DataEnd.Fixed = 20 * time.Millisecond
	w := startWorld(t, setup{
		providers: []providersim.Provider{gen},
		toml:      sourcesTOML(map[int]int{2: 1, 3: 1}),
		policy: &testPolicy{shape: func(in *policy.ShapeInput) policy.Shape {
			return fastRetries(limits[in.Source])
		}},
	})
	const n = 160 // 80 per source: 8 s at 10/s, 4 s at 20/s
	t0 := time.Now()
	w.send(t, "", n, 10, func(i int) []string { return []string{fmt.Sprintf("r%d@gen.test", i)} })
	w.noneLost(t, n)
	for src, ip := range map[string]string{"ip2": "127.0.0.2", "ip3": "127.0.0.3"} {
		st := w.ipStats("gen", ip)
		lim := limits[src]
		// Steady state: whole seconds from the second after the first
		// acceptance (the bucket starts full) to the last one (partial).
		first, last := st.Accepted[0].Unix, st.Accepted[len(st.Accepted)-1].Unix
		from, to := time.Unix(first+1, 0), time.Unix(last, 0)
		rate := st.RateBetween(from, to)
		t.Logf("%s: %.2f msgs/s over %v (limit %v), peak %d connections (limit %d), %d messages",
			src, rate, to.Sub(from), lim.MessagesPerSecond, st.ConnsPeak, lim.MaxConnections, st.Messages)
		if math.Abs(rate-lim.MessagesPerSecond) > 0.1*lim.MessagesPerSecond {
			t.Errorf("%s: %.2f msgs/s at the provider, want %v ±10%%", src, rate, lim.MessagesPerSecond)
		}
		if st.ConnsPeak > int64(lim.MaxConnections) {
			t.Errorf("%s: %d connections at once, limit %d", src, st.ConnsPeak, lim.MaxConnections)
		}
	}
	t.Logf("%d messages in %v", n, time.Since(t0))
}
