package egress

import (
	"cmp"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/mta/policy"
)

// startStrictSim runs a provider that refuses the connection over maxConns
// at once with 421 at the greeting (no grace for a reconnection racing the
// close of the previous one), with a banner latency so that refusals come
// back before admitted sessions greet.
func startStrictSim(t *testing.T, maxConns int, dataEnd time.Duration) (*providersim.Sim, providersim.Provider) {
	t.Helper()
	p := providersim.Provider{Name: "sink", Addr: "127.0.0.1:0", MaxConnsPerIP: maxConns, StrictConnLimit: true,
		ConnLimitReply: providersim.Reply{Code: 421, Enhanced: "4.7.0", Text: "Try again later, closing connection", Close: true},
		Latency: providersim.Latency{Banner: providersim.Delay{Fixed: 20 * time.Millisecond},
			DataEnd: providersim.Delay{Fixed: dataEnd}}}
	sim, err := providersim.Start(context.Background(), []providersim.Provider{p}, providersim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim, p
}

// A provider that takes 2 connections from a path preset at 5, whose
// sessions end every few messages (messages per connection): every message
// is delivered and none is deferred. Refused probes above the limit while
// sessions work never make the path look dead, and never hold back the
// sessions that replace those that ended.
func TestRefusedProbesNeverKillAWorkingPath(t *testing.T) {
	const n = 200
	sim, _ := startStrictSim(t, 2, 20*time.Millisecond)
	out := newOutcomes()
	s := newTestSet(t, out, Options{})
	p := testPath(s, hostAt(t, sim.Addr("sink")), policy.Shape{MaxConnections: 5, MessagesPerConn: 10,
		Adapt: policy.Adaptation{Quiet: 300 * time.Millisecond}})
	enqueue(p, n)
	out.waitDone(t, n, 60*time.Second)
	ok, failed := out.count()
	st := ipStats(sim)
	_, learned := p.Limits()
	t.Logf("%d delivered, %d deferred in %v; %d connections opened, %d refused at the greeting; learned %d connections",
		ok, failed, out.span().Round(time.Millisecond), st.ConnsOpened, st.ConnsRefused, learned.Conns)
	if ok != n || failed != 0 {
		t.Fatalf("%d delivered, %d deferred; want all %d delivered and none deferred", ok, failed, n)
	}
}

// The verdicts of failed dials, fed to a path directly (no provider): what
// a refusal says depends on what else the path has open or under way.
func TestDialFailureVerdicts(t *testing.T) {
	refused := errors.New("delivery: banner: 421 4.7.0 Try again later")
	_, host := startSim(t, 0)
	for _, tc := range []struct {
		name      string
		run       func(p *Path, now time.Time)
		wantConns int
		wantCool  bool
		wantDead  bool
		limit     int // the path's preset; 5 when 0
	}{
		{"a refusal back before the other dials' greetings is judged once they have greeted", func(p *Path, now time.Time) {
			for range 8 {
				p.sessionUp(now)
			}
			for range 3 {
				p.dialBegin() // admitted by the provider, not greeted yet
			}
			p.dialFailed(refused, now, now) // the twelfth, refused at once
			p.dialBegin()                   // a dial begun after the refusal does not hold it up
			for range 3 {
				p.sessionUp(now)
				p.dialEnd(now.Add(-time.Millisecond))
			}
		}, 11, false, false, 12},
		{"a refusal while sessions work lands the limit on them, without a cool-down", func(p *Path, now time.Time) {
			p.sessionUp(now)
			p.sessionUp(now)
			p.dialFailed(refused, now, now)
		}, 2, false, false, 0},
		{"a refusal racing a session that just closed is not a lower limit", func(p *Path, now time.Time) {
			for range 5 {
				p.sessionUp(now)
			}
			p.sessionDown(now)
			p.dialFailed(refused, now, now.Add(10*time.Millisecond))
		}, 5, true, false, 0},
		{"with nothing open and another dial under way, the path is not dead", func(p *Path, now time.Time) {
			for i := range deadAfter + 2 {
				at := now.Add(time.Duration(i) * time.Minute)
				p.dialBegin() // a sibling still in its greeting
				p.dialFailed(refused, at, at)
				p.dialEnd(at.Add(-time.Millisecond))
			}
		}, 5, true, false, 0},
		{"refused probes while sessions work never count toward a dead path", func(p *Path, now time.Time) {
			p.sessionUp(now)
			p.sessionUp(now)
			for i := range deadAfter + 2 {
				at := now.Add(time.Duration(i) * time.Second)
				p.dialFailed(refused, at, at)
			}
			at := now.Add(time.Minute)
			p.sessionDown(at)
			p.sessionDown(at)
			at = at.Add(aliveWindow + time.Second)
			p.dialFailed(refused, at, at) // the first failure with nothing open
		}, 2, true, false, 0},
		{"nothing open, nothing under way, failures in a row: dead", func(p *Path, now time.Time) {
			for i := range deadAfter {
				at := now.Add(time.Duration(i) * time.Minute)
				p.dialFailed(refused, at, at)
			}
		}, 5, true, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSet(t, newOutcomes(), Options{})
			p := atPreset(testPath(s, host, policy.Shape{MaxConnections: cmp.Or(tc.limit, 5)}))
			tc.run(p, time.Now())
			_, learned := p.Limits()
			p.mu.Lock()
			cool, dead := !p.cool.IsZero(), !p.backoff.IsZero()
			p.mu.Unlock()
			if learned.Conns != tc.wantConns || cool != tc.wantCool || dead != tc.wantDead {
				t.Fatalf("learned %d connections, cool-down %v, dead %v; want %d, %v, %v",
					learned.Conns, cool, dead, tc.wantConns, tc.wantCool, tc.wantDead)
			}
		})
	}
}

// A path whose preset is below the provider's connection limit finds that
// limit exactly from the provider's refusals (slow start overshoots it,
// and a refusal lands the limit on the sessions that work), and delivers
// everything without a deferral.
func TestSlowStartFindsTheConnectionLimit(t *testing.T) {
	const limit, n = 7, 150
	sim, _ := startStrictSim(t, limit, 100*time.Millisecond)
	out := newOutcomes()
	s := newTestSet(t, out, Options{})
	p := testPath(s, hostAt(t, sim.Addr("sink")), policy.Shape{MaxConnections: 2})
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
	if learned.Conns != limit {
		t.Fatalf("learned %d connections, want the provider's %d", learned.Conns, limit)
	}
}
