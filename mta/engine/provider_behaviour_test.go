package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/internal/testrec"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

// Provider behaviours the adaptive loop's benchmark world does not model
// (bench/internal/scenario/blind*.go), each as a deliverability engineer
// would expect wasmta to meet it, against a real SMTP server on loopback.

// simEngine starts one simulated provider and an engine routing every
// domain to it, shaped by shape (the built-in classifier reads the
// replies).
func simEngine(t *testing.T, prov providersim.Provider, shape policy.Shape) (*Engine, *testrec.Recorder, string, *providersim.Sim) {
	t.Helper()
	prov.Name, prov.Addr = "prov", "127.0.0.1:0"
	sim, err := providersim.Start(context.Background(), []providersim.Provider{prov}, providersim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: shape})
	toml := fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%q]\n", sim.Addr("prov"))
	e, rec, addr := testEngine(t, toml, Options{Registry: reg})
	return e, rec, addr, sim
}

// learnedOf returns the limits of the engine's one egress path.
func learnedOf(t *testing.T, e *Engine) PathLimits {
	t.Helper()
	paths := e.ready.Paths()
	if len(paths) != 1 {
		t.Fatalf("%d paths, want 1", len(paths))
	}
	return limitsOf(paths[0])
}

// A provider that takes a few messages per connection and answers the next
// MAIL FROM with 421 (Yahoo's "Max message per connection reached, closing
// transmission channel", which the classifier reads as Yahoo's throttle):
// the session ends, the message goes out on the next one. Not a throttle:
// the rate is not cut, and no message is deferred for it.
func TestMessagesPerConnectionLimitIsNotAThrottle(t *testing.T) {
	const n, perConn, rate = 90, 5, 30.0
	prov := providersim.Provider{MaxMsgsPerConn: perConn,
		MsgsPerConnReply: providersim.Reply{Code: 421, Close: true,
			Text: "Max message per connection reached, closing transmission channel"},
		Latency: providersim.Latency{DataEnd: providersim.Delay{Fixed: 5 * time.Millisecond}}}
	e, rec, addr, sim := simEngine(t, prov, policy.Shape{MaxConnections: 3, MessagesPerSecond: rate,
		RetryInitial: time.Hour, RetryMax: 4 * time.Hour, MaxAge: 24 * time.Hour})
	for i := range n {
		send(t, addr, "s@sender.test", []string{fmt.Sprintf("r%d@example.test", i)}, testBody(i))
	}
	rec.WaitFor(t, events.Delivery, n, 60*time.Second)
	st := sim.Stats()["prov"].Total
	l := learnedOf(t, e)
	deferred := rec.Count(events.TransientFailure)
	t.Logf("%d delivered; %d refused at the per-connection limit, %d deferrals; learned %+v", n, st.MsgsPerConn, deferred, l)
	if l.LearnedRate < rate {
		t.Errorf("learned rate %.1f msg/s, below the preset %.0f: a per-connection limit was read as a throttle", l.LearnedRate, rate)
	}
	if deferred > 0 {
		t.Errorf("%d deferrals: a message refused because its session carried enough went to the retry queue", deferred)
	}
}

// A destination that closes idle connections sooner than the path's idle
// timeout (Postfix's smtpd closes after 300 s with "421 4.4.2 ... timeout
// exceeded", some servers without a word): the next message finds its
// session gone at MAIL FROM and goes out on a new one, at once, with no
// deferral.
func TestSessionClosedIdleByTheServerIsNotADeferral(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{ReadTimeout: 200 * time.Millisecond})
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: policy.Shape{MaxConnections: 1, IdleTimeout: time.Minute,
		RetryInitial: time.Hour, RetryMax: 4 * time.Hour, MaxAge: 24 * time.Hour}})
	_, rec, addr := testEngine(t, routeTo(sink), Options{Registry: reg})
	for i := range 3 {
		send(t, addr, "s@sender.test", []string{fmt.Sprintf("r%d@example.test", i)}, testBody(i))
		rec.WaitFor(t, events.Delivery, i+1, 10*time.Second)
		waitFor(t, 10*time.Second, "the sink closed the idle session", func() bool { return sink.Open() == 0 })
	}
	if n := rec.Count(events.TransientFailure); n > 0 {
		t.Fatalf("%d deferrals: a session the server had closed idle deferred the next message: %+v",
			n, rec.All(events.TransientFailure)[0].Response)
	}
	if got := sink.Conns(); got != 3 {
		t.Fatalf("%d connections for 3 messages, want 3", got)
	}
}
