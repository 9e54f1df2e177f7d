package egress

import (
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/adaptive"
	"github.com/wasmta/wasmta/mta/policy"
)

// A new path opens adaptive.InitialConns sessions and slow-starts from
// there, one greeting round at a time: against a provider that refuses
// connections over its limit at the greeting, it finds the limit with
// fewer refusals than opening its whole preset at once would cost (the
// preset's excess), and a provider that takes the whole preset gets it
// (and slow start goes on above it, as from a path
// opened at its preset). Every message is delivered, none deferred.
func TestColdPathOpensSmallAndSlowStarts(t *testing.T) {
	for _, tc := range []struct {
		name          string
		limit, preset int
	}{
		{"the provider takes one of a preset of five", 1, 5},
		{"the provider takes four of a preset of ten", 4, 10},
		{"the provider takes the whole preset of eight", 8, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 120
			sim, _ := startStrictSim(t, tc.limit, 100*time.Millisecond)
			out := newOutcomes()
			s := newTestSet(t, out, Options{})
			p := testPath(s, hostAt(t, sim.Addr("sink")), policy.Shape{MaxConnections: tc.preset})
			if _, l := p.Limits(); l.Conns != min(tc.preset, adaptive.InitialConns) {
				t.Fatalf("a new path opens with %d connections, want %d", l.Conns, min(tc.preset, adaptive.InitialConns))
			}
			enqueue(p, n)
			out.waitDone(t, n, 60*time.Second)
			ok, failed := out.count()
			st := ipStats(sim)
			_, learned := p.Limits()
			t.Logf("%d delivered, %d deferred in %v; %d refused at the greeting; learned %d connections, peak %d",
				ok, failed, out.span().Round(time.Millisecond), st.ConnsRefused, learned.Conns, p.PeakConns())
			if ok != n || failed != 0 {
				t.Fatalf("%d delivered, %d deferred; want all %d delivered and none deferred", ok, failed, n)
			}
			if excess := int64(tc.preset - tc.limit); excess > 0 && st.ConnsRefused >= excess {
				t.Fatalf("%d refused at the greeting, want fewer than the preset's excess %d", st.ConnsRefused, excess)
			}
			if learned.Conns != tc.limit {
				t.Fatalf("learned %d connections, want the provider's %d", learned.Conns, tc.limit)
			}
		})
	}
}
