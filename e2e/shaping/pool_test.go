package shaping

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/providersim"
)

// TestPoolWeightsOver10000Deliveries spreads 10,000 deliveries over a pool
// of 127.0.0.2 and 127.0.0.3 weighted 1:3 and checks, from the addresses
// the provider saw connecting, that each source got its share ±5%. Each
// message has five recipients in five domains of the same provider: the
// pool is asked once per (message, domain), so 2,000 messages make 10,000
// picks, each delivered from the address picked.
func TestPoolWeightsOver10000Deliveries(t *testing.T) {
	t.Parallel()
	domains := []string{"d1.test", "d2.test", "d3.test", "d4.test", "d5.test"}
	w := startWorld(t, setup{
		providers: []providersim.Provider{quiet("fast", domains...)},
		toml:      sourcesTOML(map[int]int{2: 1, 3: 3}),
	})
	const msgs = 2000
	t0 := time.Now()
	w.send(t, "", msgs, 16, func(i int) []string {
		out := make([]string, len(domains))
		for k, d := range domains {
			out[k] = fmt.Sprintf("r%d@%s", i, d)
		}
		return out
	})
	sent := time.Since(t0)
	total := msgs * len(domains)
	w.noneLost(t, total)
	st := w.sim.Stats()["fast"]
	if len(st.PerIP) != 2 {
		t.Fatalf("the provider saw connections from %d addresses, want 2 (127.0.0.2, 127.0.0.3)", len(st.PerIP))
	}
	for ip, share := range map[string]float64{"127.0.0.2": 0.25, "127.0.0.3": 0.75} {
		got := float64(st.PerIP[ip].Recipients)
		want := share * float64(total)
		t.Logf("%s: %v recipients, want %v", ip, got, want)
		if math.Abs(got-want) > 0.05*want {
			t.Errorf("%s: %v recipients delivered, want %v ±5%%", ip, got, want)
		}
	}
	t.Logf("%d messages accepted in %v, %d deliveries done in %v", msgs, sent, total, time.Since(t0))
}
