package egress

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/mta/mx"
	"github.com/wasmta/wasmta/mta/policy"
)

// startCapSim runs one simulated provider that ends every session after
// perConn messages (0: never) with Yahoo's 421 at the next MAIL; a
// message takes about 15 ms.
func startCapSim(t *testing.T, perConn int) (*providersim.Sim, mx.Host) {
	t.Helper()
	return startProvider(t, providersim.Provider{Name: "sink", Addr: "127.0.0.1:0",
		Latency:        providersim.Latency{DataEnd: providersim.Delay{Fixed: 15 * time.Millisecond}},
		MaxMsgsPerConn: perConn,
		MsgsPerConnReply: providersim.Reply{Code: 421, Close: true,
			Text: "Max message per connection reached, closing transmission channel"}})
}

// sendAll sends n messages through a path of shape to host and checks
// that every one was delivered; it returns the path.
func sendAll(t *testing.T, host mx.Host, shape policy.Shape, n int) *Path {
	t.Helper()
	out := newOutcomes()
	s := newTestSet(t, out, Options{})
	p := testPath(s, host, shape)
	enqueue(p, n)
	out.waitDone(t, n, 30*time.Second)
	if ok, failed := out.count(); ok != n || failed != 0 {
		t.Fatalf("%d delivered, %d failed, want %d delivered", ok, failed, n)
	}
	return p
}

// capShape is a path whose one connection is what holds it back (no rate
// limit, the connection limit's ceiling 1), with 5 messages per
// connection.
var capShape = policy.Shape{MaxConnections: 1, MessagesPerConn: 5, ConnectionsPerSec: 100,
	Adapt: policy.Adaptation{MaxConnections: 1}}

// A destination that never ends a session itself, on a path whose
// connections bind: the messages per connection rise to their ceiling
// (four times the preset: 5, 8, 12, 18, 20, a raise per second) and the
// path opens far fewer sessions than one per five messages.
func TestPerConnRisesWhereTheDestinationNeverEndsASession(t *testing.T) {
	const n = 400
	if st := sendNeverEnding(t, capShape, n, 20); st.ConnsOpened >= n/5 {
		t.Fatalf("%d sessions for %d messages, want fewer than %d", st.ConnsOpened, n, n/5)
	}
}

// sendNeverEnding sends n messages through a path of shape to a
// destination that never ends a session itself, checks that the path
// learned wantPerConn messages per connection from the shape's, and
// returns the destination's counts.
func sendNeverEnding(t *testing.T, shape policy.Shape, n, wantPerConn int) providersim.IPStats {
	t.Helper()
	sim, host := startCapSim(t, 0)
	p := sendAll(t, host, shape, n)
	configured, learned := p.Limits()
	st := ipStats(sim)
	t.Logf("configured %+v, learned %+v, %d sessions for %d messages", configured, learned, st.ConnsOpened, n)
	if configured.PerConn != shape.MessagesPerConn || learned.PerConn != wantPerConn {
		t.Fatalf("messages per connection: configured %d, learned %d, want %d and %d",
			configured.PerConn, learned.PerConn, shape.MessagesPerConn, wantPerConn)
	}
	if st.MsgsPerConn != 0 {
		t.Fatalf("the destination ended %d sessions itself, want none", st.MsgsPerConn)
	}
	return st
}

// A destination that ends every session after 8 messages: the path's
// raise from 5 meets its end, two of them land the limit on 8, and from
// then on the path ends its sessions itself, before the destination
// refuses a MAIL. No message fails or counts an attempt for it.
func TestPerConnLearnsWhereTheDestinationEndsSessions(t *testing.T) {
	sim, host := startCapSim(t, 8)
	const n = 200
	p := sendAll(t, host, capShape, n)
	_, learned := p.Limits()
	st := ipStats(sim)
	t.Logf("learned %+v, %d sessions, %d ended by the destination, for %d messages", learned, st.ConnsOpened, st.MsgsPerConn, n)
	if learned.PerConn != 8 {
		t.Fatalf("learned %d messages per connection, want the destination's 8", learned.PerConn)
	}
	if st.MsgsPerConn < 2 || st.MsgsPerConn > 3 {
		t.Fatalf("the destination ended %d sessions, want the two that set the limit (three if one was in flight)", st.MsgsPerConn)
	}
	if shape, _ := p.Shape(); shape.MessagesPerConn != 8 {
		t.Fatalf("shape in force has %d messages per connection, want 8", shape.MessagesPerConn)
	}
}

// A destination that refuses the MAIL after its count of messages per
// session with a reply that names the count and keeps the session open
// (Stalwart's "452 4.4.5 Maximum number of messages per session
// exceeded."; GoDaddy's and Bluehost's say so with a 550): the same as a
// 421 that ends it. The raise from 5 meets it, two of them land the limit
// on 8, and no message fails for it. Until this test each such refusal
// was a failure of its message (RateLimited: a throttle that cut the
// path's rate), and the raises went on to the ceiling.
func TestPerConnLearnsACountRefusedWithoutAClose(t *testing.T) {
	sim, host := startProvider(t, providersim.Provider{Name: "sink", Addr: "127.0.0.1:0",
		Latency:        providersim.Latency{DataEnd: providersim.Delay{Fixed: 15 * time.Millisecond}},
		MaxMsgsPerConn: 8,
		MsgsPerConnReply: providersim.Reply{Code: 452,
			Text: "4.4.5 Maximum number of messages per session exceeded."}})
	const n = 200
	p := sendAll(t, host, capShape, n)
	_, learned := p.Limits()
	st := ipStats(sim)
	t.Logf("learned %+v, %d sessions, %d refused at the count, for %d messages", learned, st.ConnsOpened, st.MsgsPerConn, n)
	if learned.PerConn != 8 {
		t.Fatalf("learned %d messages per connection, want the destination's 8", learned.PerConn)
	}
}

// The shape hook's messages per connection is what a path with learning
// off keeps.
func TestPerConnOffKeepsThePreset(t *testing.T) {
	sim, host := startCapSim(t, 0)
	shape := capShape
	shape.Adapt = policy.Adaptation{Off: true}
	const n = 40
	p := sendAll(t, host, shape, n)
	_, learned := p.Limits()
	if st := ipStats(sim); learned.PerConn != 5 || st.ConnsOpened < n/5 {
		t.Fatalf("learning off: learned %d messages per connection, %d sessions for %d messages, want 5 and at least %d",
			learned.PerConn, st.ConnsOpened, n, n/5)
	}
}

// The policy's ceiling (ABI v1.9, adapt_max_messages_per_connection)
// stops the raise: against a destination that never ends a session, the
// count that rose to the default ceiling of 20 above stops at the
// policy's 12 (5, 8, 12), and the path keeps ending its sessions there.
func TestPerConnStopsAtThePolicysCeiling(t *testing.T) {
	shape := capShape
	shape.Adapt.MaxMessagesPerConn = 12
	const n = 400
	// 13 messages at 5 and 8, then at most 12 per session: at least
	// (400 - 13) / 12 + 2 = 35 sessions; a count past 12 would open fewer.
	if st := sendNeverEnding(t, shape, n, 12); st.ConnsOpened < (n-13)/12+2 {
		t.Fatalf("%d sessions for %d messages, want at least %d", st.ConnsOpened, n, (n-13)/12+2)
	}
}

// The policy's floor (ABI v1.9, adapt_min_messages_per_connection) is the
// least count the path ends its own sessions at; it does not keep a
// session open that the destination ends. A destination that ends every
// session after 3 messages, on a path whose preset is 8: without a floor
// the path learns 3 and ends its sessions itself, before the destination
// refuses a MAIL; with a floor of 6 the count stays 6, the destination
// ends every session at 3, and each end costs one MAIL that goes out
// again on the next session: no message fails or counts an attempt for
// it, and the count is not raised.
func TestPerConnKeepsThePolicysFloor(t *testing.T) {
	shape := capShape
	shape.MessagesPerConn = 8
	const n = 60
	for _, tc := range []struct {
		floor, want int
	}{{0, 3}, {6, 6}} {
		t.Run(fmt.Sprintf("floor %d", tc.floor), func(t *testing.T) {
			sim, host := startCapSim(t, 3)
			shape.Adapt.MinMessagesPerConn = tc.floor
			p := sendAll(t, host, shape, n)
			_, learned := p.Limits()
			st := ipStats(sim)
			t.Logf("learned %+v, %d sessions, %d ended by the destination, for %d messages", learned, st.ConnsOpened, st.MsgsPerConn, n)
			if learned.PerConn != tc.want {
				t.Fatalf("learned %d messages per connection, want %d", learned.PerConn, tc.want)
			}
			if shape, _ := p.Shape(); shape.MessagesPerConn != tc.want {
				t.Fatalf("shape in force has %d messages per connection, want %d", shape.MessagesPerConn, tc.want)
			}
			ended := int64(st.MsgsPerConn)
			if tc.floor == 0 && ended > 3 {
				t.Fatalf("the destination ended %d sessions, want the two that set the count (three if one was in flight)", ended)
			}
			// With the floor every session but the last runs into the
			// destination's end: n/3 sessions, all but one ended by it.
			if tc.floor > 0 && (st.ConnsOpened < n/3 || ended < int64(n/3-1)) {
				t.Fatalf("%d sessions, %d ended by the destination, want at least %d and %d", st.ConnsOpened, ended, n/3, n/3-1)
			}
		})
	}
}

// silentCloser is a minimal SMTP server on loopback that closes every
// session without a word after perConn messages (the 250 to the last
// DATA is the session's last reply), as some destinations end long
// sessions; it counts the sessions it took.
type silentCloser struct {
	ln       net.Listener
	perConn  int
	sessions atomic.Int64
	messages atomic.Int64
}

func startSilentCloser(t *testing.T, perConn int) (*silentCloser, mx.Host) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &silentCloser{ln: ln, perConn: perConn}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.sessions.Add(1)
			go s.serve(c)
		}
	}()
	ap := netip.MustParseAddrPort(ln.Addr().String())
	return s, mx.Host{Name: "mx.sink.test", Addrs: []netip.Addr{ap.Addr()}, Port: ap.Port()}
}

func (s *silentCloser) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(c)
	say := func(l string) { fmt.Fprintf(c, "%s\r\n", l) }
	say("220 mx.sink.test ESMTP")
	n := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			say("250-mx.sink.test")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "DATA"):
			say("354 go on")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			time.Sleep(10 * time.Millisecond)
			say("250 2.0.0 queued")
			s.messages.Add(1)
			if n++; n >= s.perConn {
				return // closes without a word
			}
		case strings.HasPrefix(cmd, "QUIT"):
			say("221 bye")
			return
		default: // MAIL, RCPT, RSET, NOOP
			say("250 ok")
		}
	}
}

// A destination that closes every session without a word after 6
// messages: the raise from 5 finds the close at the next MAIL (an EOF,
// no reply), two such ends land the limit on 6, and every message is
// delivered without a failure.
func TestPerConnLearnsASilentClose(t *testing.T) {
	srv, host := startSilentCloser(t, 6)
	const n = 120
	p := sendAll(t, host, capShape, n)
	_, learned := p.Limits()
	t.Logf("learned %+v, %d sessions for %d messages", learned, srv.sessions.Load(), n)
	if learned.PerConn != 6 {
		t.Fatalf("learned %d messages per connection, want the destination's 6", learned.PerConn)
	}
}
