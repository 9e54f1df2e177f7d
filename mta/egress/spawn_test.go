package egress

import (
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

// A connection rate paces reconnections, not the first sessions: a burst
// of mail on a fresh path opens the whole connection limit at once, even
// with a rate far below one connection per second.
func TestConnectionRateOpensTheLimitAtOnce(t *testing.T) {
	sim, host := startSim(t, 200*time.Millisecond)
	out := newOutcomes()
	s := newTestSet(t, out, Options{})
	p := testPath(s, host, policy.Shape{MaxConnections: 4, ConnectionsPerSec: 100.0 / 60,
		Adapt: policy.Adaptation{Off: true}}) // the limit stays 4
	enqueue(p, 12)
	out.waitDone(t, 12, 20*time.Second)
	if got := p.PeakConns(); got != 4 {
		t.Fatalf("peak %d connections for 12 jobs, limit 4 at 100/min: want the limit", got)
	}
	if st := ipStats(sim); st.ConnsPeak != 4 || st.ConnsOpened != 4 {
		t.Fatalf("the provider saw %d opened, peak %d; want 4 and 4", st.ConnsOpened, st.ConnsPeak)
	}
}

// Jobs that all arrive while the connection rate holds spawning back still
// get more workers as tokens come, up to the limit; not one worker that
// sends them all.
func TestSpawningGoesOnAsConnectionTokensCome(t *testing.T) {
	_, host := startSim(t, 300*time.Millisecond)
	out := newOutcomes()
	s := newTestSet(t, out, Options{})
	p := testPath(s, host, policy.Shape{MaxConnections: 4, ConnectionsPerSec: 2,
		Adapt: policy.Adaptation{Off: true}}) // the limit stays 4
	// Spend the bucket, as a burst of reconnections would have.
	p.mu.Lock()
	p.connRate.ReserveN(time.Now(), 4)
	p.mu.Unlock()
	const n = 24
	enqueue(p, n)
	peak := 0
	for {
		peak = max(peak, p.Conns())
		if ok, failed := out.count(); ok+failed >= n {
			break
		}
		select {
		case <-out.ch:
		case <-time.After(20 * time.Millisecond):
		}
	}
	if peak != 4 {
		t.Fatalf("%d jobs waiting, connection tokens at 2/s: peak %d workers, want the limit 4", n, peak)
	}
	if ok, _ := out.count(); ok != n {
		t.Fatalf("%d of %d delivered", ok, n)
	}
}

// Connections a raised limit allows open at once: they are first sessions,
// not the reconnections the connection rate paces.
func TestRaisedLimitOpensItsConnectionsAtOnce(t *testing.T) {
	_, host := startSim(t, 0)
	s := newTestSet(t, newOutcomes(), Options{})
	shape := policy.Shape{MaxConnections: 2, ConnectionsPerSec: 0.1, Adapt: policy.Adaptation{Off: true}}
	p := testPath(s, host, shape)
	now := time.Now()
	p.mu.Lock()
	p.connRate.ReserveN(now, 2) // both sessions opened
	p.mu.Unlock()
	shape.MaxConnections = 5
	p.SetShape(shape, "v2")
	p.mu.Lock()
	tokens := p.connRate.TokensAt(now)
	p.mu.Unlock()
	if tokens < 3 || tokens > 3.1 {
		t.Fatalf("%.2f connection tokens after the limit went from 2 to 5 with the bucket spent, want the 3 new ones", tokens)
	}
}
