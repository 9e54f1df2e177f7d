package egress

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/mta/mx"
	"github.com/wasmta/wasmta/mta/policy"
)

// startLimitedSim runs a provider that greets the connection over maxConns
// from one IP with 421 and closes it, as Apple, Microsoft and Yahoo do.
func startLimitedSim(t *testing.T, maxConns int, dataEnd time.Duration) (*providersim.Sim, mx.Host) {
	t.Helper()
	p := providersim.Provider{Name: "sink", Addr: "127.0.0.1:0", MaxConnsPerIP: maxConns,
		ConnLimitReply: providersim.Reply{Code: 421, Enhanced: "4.7.0", Text: "Too many connections from your IP", Close: true},
		Latency:        providersim.Latency{DataEnd: providersim.Delay{Fixed: dataEnd}}}
	sim, err := providersim.Start(context.Background(), []providersim.Provider{p}, providersim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim, hostAt(t, sim.Addr("sink"))
}

func hostAt(t *testing.T, addr string) mx.Host {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return mx.Host{Name: "mx.sink.test", Addrs: []netip.Addr{netip.MustParseAddr(host)}, Port: uint16(n)}
}

// A provider that refuses connections over its limit at the greeting, on
// a path allowed more: every message is delivered, none fails, and the
// path's connection limit comes down to what the provider takes.
func TestRefusedConnectionPutsTheJobBack(t *testing.T) {
	const limit, n = 3, 300
	sim, host := startLimitedSim(t, limit, 5*time.Millisecond)
	out := newOutcomes()
	s := newTestSet(t, out, Options{})
	// Few messages per connection: reconnections race the provider's count.
	p := atPreset(testPath(s, host, policy.Shape{MaxConnections: 8, MessagesPerConn: 10}))
	enqueue(p, n)
	out.waitDone(t, n, 60*time.Second)
	ok, failed := out.count()
	st := ipStats(sim)
	_, learned := p.Limits()
	t.Logf("%d delivered, %d failed; %d connections opened, %d refused at the greeting; learned %d connections",
		ok, failed, st.ConnsOpened, st.ConnsRefused, learned.Conns)
	if ok != n || failed != 0 {
		t.Fatalf("%d delivered, %d failed; want all %d delivered and no failure", ok, failed, n)
	}
	if st.ConnsRefused == 0 {
		t.Fatal("the provider refused no connection: the test proves nothing")
	}
	if learned.Conns >= 8 {
		t.Fatalf("learned %d connections after %d refusals, want fewer than the preset 8", learned.Conns, st.ConnsRefused)
	}
}

// A path where no host answers defers its queue, once per job (those the
// workers held too), only after deadAfter failed dials in a row, and
// backs off.
func TestDeadPathDefersItsQueueWithBackoff(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := hostAt(t, ln.Addr().String())
	ln.Close() // nothing listens there now: connections are refused
	out := newOutcomes()
	s := newTestSet(t, out, Options{})
	const conns, n = 4, 20
	p := testPath(s, host, policy.Shape{MaxConnections: conns, RetryInitial: 10 * time.Minute})
	t0 := time.Now()
	enqueue(p, n)
	out.waitDone(t, n, 20*time.Second)
	took := time.Since(t0)
	waitFor(t, 2*time.Second, func() bool { return p.Conns() == 0 })
	out.mu.Lock()
	defer out.mu.Unlock()
	if len(out.done) != n || p.Len() != 0 {
		t.Fatalf("%d outcomes and %d jobs waiting for %d jobs, want one outcome each", len(out.done), p.Len(), n)
	}
	for _, o := range out.done {
		if o.Err == nil || o.Stage != "connect" || o.RetryAt.Sub(t0) < backoffBase {
			t.Fatalf("outcome %+v: want a connect failure with a back-off of at least %v", o, backoffBase)
		}
	}
	// Cool-downs of 1 s and 2 s between the three dials.
	if took < 2500*time.Millisecond {
		t.Fatalf("queue deferred after %v, want after %d failed dials (about 3 s)", took, deadAfter)
	}
	if p.BackedOff().IsZero() {
		t.Fatal("the dead path is not backed off")
	}
}

// A path whose rate holds it back and that meets no throttle learns
// upward, within the policy's ceiling, at the policy's pace.
func TestPathLearnsUpward(t *testing.T) {
	_, host := startSim(t, 0)
	out := newOutcomes()
	s := newTestSet(t, out, Options{})
	const preset, ceiling = 20.0, 30.0
	p := testPath(s, host, policy.Shape{MaxConnections: 2, MessagesPerSecond: preset, MessageBurst: 1,
		Adapt: policy.Adaptation{MaxRate: ceiling, RateStep: 5, Quiet: 300 * time.Millisecond}})
	const n = 100
	enqueue(p, n)
	out.waitDone(t, n, 20*time.Second)
	configured, learned := p.Limits()
	t.Logf("configured %+v, learned %+v, %d messages in %v", configured, learned, n, out.span().Round(time.Millisecond))
	if learned.Rate <= preset || learned.Rate > ceiling {
		t.Fatalf("learned rate %v after %d unthrottled messages held back by the rate, want above the preset %v and at most the ceiling %v",
			learned.Rate, n, preset, ceiling)
	}
}

// A path whose connections hold it back learns more of them, also once
// nothing new is enqueued: the whole queue arrived at once, and the
// workers that drain it are what sees the pressure.
func TestPathLearnsMoreConnections(t *testing.T) {
	_, host := startSim(t, 40*time.Millisecond)
	out := newOutcomes()
	s := newTestSet(t, out, Options{})
	p := testPath(s, host, policy.Shape{MaxConnections: 1,
		Adapt: policy.Adaptation{MaxConnections: 4, Quiet: 300 * time.Millisecond}})
	const n = 120
	enqueue(p, n)
	out.waitDone(t, n, 30*time.Second)
	configured, learned := p.Limits()
	t.Logf("configured %+v, learned %+v, %d messages in %v", configured, learned, n, out.span().Round(time.Millisecond))
	if learned.Conns < 3 || learned.Conns > 4 {
		t.Fatalf("learned %d connections after %d unthrottled messages held back by one connection, want 3 or 4",
			learned.Conns, n)
	}
}
