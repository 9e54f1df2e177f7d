package reception

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/events"
)

// Attacks of issue 12 items 1 and 3 against a real server on loopback:
// connection hoarding, dripping, stress, error floods, AUTH guessing.

// peerQueue makes each accepted connection report the next address the
// test queued (in order; a test dials one connection at a time and waits
// for its greeting), so one loopback listener plays many clients.
type peerQueue struct {
	net.Listener
	mu   sync.Mutex
	next []string
}

func (q *peerQueue) push(ip string) {
	q.mu.Lock()
	q.next = append(q.next, ip)
	q.mu.Unlock()
}

func (q *peerQueue) Accept() (net.Conn, error) {
	c, err := q.Listener.Accept()
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	ip := "192.0.2.250"
	if len(q.next) > 0 {
		ip, q.next = q.next[0], q.next[1:]
	}
	q.mu.Unlock()
	return peerConn{c, &net.TCPAddr{IP: net.ParseIP(ip), Port: 40001}}, nil
}

func startQueued(t *testing.T, opts Options) (*fixture, *peerQueue) {
	var q *peerQueue
	f := start(t, opts, func(ln net.Listener) net.Listener { q = &peerQueue{Listener: ln}; return q })
	return f, q
}

// dialAs connects as ip and returns the greeting line with the connection.
func dialAs(t *testing.T, f *fixture, q *peerQueue, ip string) (*raw, string) {
	t.Helper()
	q.push(ip)
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	rc := &raw{t: t, c: c, r: bufio.NewReader(c)}
	return rc, rc.reply()
}

func reasons(recs []events.Record) map[string]int {
	out := map[string]int{}
	for _, r := range recs {
		out[r.Reason]++
	}
	return out
}

func TestOneClientCannotTakeEverySlot(t *testing.T) {
	f, q := startQueued(t, Options{MaxConnections: 20, MaxConnectionsPerIP: 5, MaxConnectionsPerNetwork: 8,
		ReservedConnections: 4, RelayNets: []netip.Prefix{mustPrefix("10.0.0.0/8")},
		TrustedNets: []netip.Prefix{mustPrefix("10.0.0.0/8")}})
	// One address: five connections, then 421 for the rest.
	for i := range 8 {
		_, greet := dialAs(t, f, q, "192.0.2.1")
		if want := "220 "; i >= 5 {
			if !strings.HasPrefix(greet, "421 4.7.0 ") || !strings.Contains(greet, "from your address") {
				t.Fatalf("connection %d from one address: %q, want 421 4.7.0 ...from your address", i+1, greet)
			}
		} else if !strings.HasPrefix(greet, want) {
			t.Fatalf("connection %d from one address: %q, want 220", i+1, greet)
		}
	}
	// The same /24 from other addresses: three more, then refused.
	for i := range 5 {
		_, greet := dialAs(t, f, q, "192.0.2."+itoa(10+i))
		if ok := strings.HasPrefix(greet, "220 "); ok != (i < 3) {
			t.Fatalf("connection %d from the same /24: %q", i+1, greet)
		}
	}
	// Other networks fill the slots others may take: 20 - 4 reserved.
	for i := range 8 {
		_, greet := dialAs(t, f, q, "198.51."+itoa(i)+".1")
		if ok := strings.HasPrefix(greet, "220 "); ok != (i < 8) {
			t.Fatalf("connection %d from another network: %q", i+1, greet)
		}
	}
	if _, greet := dialAs(t, f, q, "203.0.113.1"); !strings.HasPrefix(greet, "421 4.7.0 ") {
		t.Fatalf("17th connection from outside the relay networks: %q, want 421", greet)
	}
	// A relay network still gets in: the reserved slots are its.
	rc, greet := dialAs(t, f, q, "10.1.2.3")
	if !strings.HasPrefix(greet, "220 ") {
		t.Fatalf("relay network client starved: %q", greet)
	}
	rc.cmd("EHLO relay.test", "250 ")
	got := reasons(f.recs.All(events.Rejection))
	if got[refusedPerIP] != 3 || got[refusedPerNet] != 2 || got[refusedFull] != 1 {
		t.Errorf("Rejection reasons %v, want 3 %s, 2 %s, 1 %s", got, refusedPerIP, refusedPerNet, refusedFull)
	}
}

// A listener open to the world (the inbound listener takes mail for its
// own domains from anyone: RelayNets 0.0.0.0/0) trusts nobody.
func TestWorldOpenListenerStillLimitsClients(t *testing.T) {
	f, q := startQueued(t, Options{MaxConnectionsPerIP: 2,
		RelayNets: []netip.Prefix{mustPrefix("0.0.0.0/0"), mustPrefix("::/0")}})
	for i := range 3 {
		if _, greet := dialAs(t, f, q, "192.0.2.9"); strings.HasPrefix(greet, "220 ") != (i < 2) {
			t.Fatalf("connection %d from one address: %q", i+1, greet)
		}
	}
}

func TestConnectionRatePerClient(t *testing.T) {
	f, q := startQueued(t, Options{ConnectionRatePerIP: 3})
	for i := range 5 {
		rc, greet := dialAs(t, f, q, "192.0.2.7")
		if ok := strings.HasPrefix(greet, "220 "); ok != (i < 3) {
			t.Fatalf("connection %d within a minute: %q, want 220 for the first 3, then 421", i+1, greet)
		}
		rc.c.Close() // closed connections still count against the rate
	}
	if _, greet := dialAs(t, f, q, "192.0.2.8"); !strings.HasPrefix(greet, "220 ") {
		t.Fatalf("another address: %q", greet)
	}
	if n := reasons(f.recs.All(events.Rejection))[refusedRate]; n != 2 {
		t.Errorf("%d %s records, want 2", n, refusedRate)
	}
}

func TestClientNetworks(t *testing.T) {
	tests := []struct{ a, b string }{
		{"192.0.2.1", "192.0.2.254"},
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9"},
	}
	for _, tc := range tests {
		if clientNet(netip.MustParseAddr(tc.a)) != clientNet(netip.MustParseAddr(tc.b)) {
			t.Errorf("%s and %s are not in one client network", tc.a, tc.b)
		}
	}
	if clientNet(netip.MustParseAddr("2001:db8:1:2::1")) == clientNet(netip.MustParseAddr("2001:db8:1:3::1")) {
		t.Error("two /64s counted as one network")
	}
}

// drip writes s a byte at a time every gap until the server closes, and
// returns its last reply and how long it took.
func drip(t *testing.T, rc *raw, s string, gap time.Duration) (string, time.Duration) {
	t.Helper()
	start := time.Now()
	done := make(chan string, 1)
	go func() { done <- rc.lastReply() }()
	for i := 0; ; i = (i + 1) % len(s) {
		select {
		case got := <-done:
			return got, time.Since(start)
		case <-time.After(gap):
		}
		if _, err := rc.c.Write([]byte{s[i]}); err != nil {
			return <-done, time.Since(start)
		}
	}
}

func TestDripCannotHoldASlot(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets, CommandTimeout: 1500 * time.Millisecond,
		DataTimeout: 1500 * time.Millisecond}, nil)
	// A command dripped a byte every 250 ms never ends: the timeout bounds
	// the whole command, not each byte (per-byte, it would never expire).
	rc := dialRaw(t, f.addr)
	got, took := drip(t, rc, "EHLO slow.example.org", 250*time.Millisecond)
	if !strings.HasPrefix(got, "421 4.4.2") || took > 10*time.Second {
		t.Errorf("dripped command: %q after %v, want 421 4.4.2 after about 1.5 s", got, took)
	}
	// The same over TLS, a record per byte: the deadline cannot see line
	// ends in ciphertext, and does not need to.
	rc = dialRaw(t, f.addr)
	rc.cmd("EHLO client.test", "250 ")
	rc.cmd("STARTTLS", "220 ")
	tc := tls.Client(rc.c, clientTLS)
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	rc = &raw{t: t, c: tc, r: bufio.NewReader(tc)}
	got, took = drip(t, rc, "EHLO slow.example.org", 250*time.Millisecond)
	if !strings.HasPrefix(got, "421 4.4.2") || took > 10*time.Second {
		t.Errorf("dripped command over TLS: %q after %v, want 421 4.4.2 after about 1.5 s", got, took)
	}
	// DATA dripped at 1 byte per 300 ms (3 B/s, far under MinDataRate).
	rc = begin(t, f)
	rc.cmd("DATA", "354 ")
	got, took = drip(t, rc, "Subject: drip\r\n", 300*time.Millisecond)
	if !strings.HasPrefix(got, "421 4.4.2") || took > 10*time.Second {
		t.Errorf("dripped DATA: %q after %v, want 421 4.4.2 after about 1.5 s", got, took)
	}
	if n := len(f.sub.all()); n != 0 {
		t.Errorf("%d messages submitted", n)
	}
}

func TestStressShortensTimeouts(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets, MaxConnections: 8, StressThreshold: 50,
		CommandTimeout: time.Minute, StressCommandTimeout: 300 * time.Millisecond}, nil)
	first := dialRaw(t, f.addr)
	// Its wait starts when its session reads after the greeting, which the
	// client has already seen: on a loaded machine that read came after
	// the fourth connection, and the wait was a stress wait. Let it start
	// first.
	time.Sleep(200 * time.Millisecond)
	for range 2 {
		dialRaw(t, f.addr)
	}
	// The fourth connection reaches the threshold (4 of 8): its wait is
	// a stress wait.
	start := time.Now()
	fourth := dialRaw(t, f.addr)
	fourth.expect("421 4.4.2")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("idle connection under stress closed after %v, want about 300 ms", took)
	}
	// Below the threshold again: normal timeouts.
	first.cmd("EHLO client.test", "250 ")
	first.cmd("NOOP", "250 ")
}

func TestErrorLimitsDisconnect(t *testing.T) {
	f := start(t, Options{SoftErrorLimit: 3, HardErrorLimit: 6, ErrorDelay: 100 * time.Millisecond}, remoteAt("192.0.2.30"))
	rc := dialRaw(t, f.addr)
	rc.cmd("EHLO client.test", "250 ")
	rc.cmd("MAIL FROM:<a@example.org>", "250 ")
	var delays []time.Duration
	for range 5 {
		start := time.Now()
		rc.cmd("RCPT TO:<b@example.net>", "554 5.7.1 ")
		delays = append(delays, time.Since(start))
	}
	rc.write("RCPT TO:<b@example.net>\r\n")
	rc.expect("554 5.7.1 ")
	rc.expect("421 4.7.0 ")
	if !rc.closed() {
		t.Fatal("connection open after the hard error limit")
	}
	// Errors 3, 4 and 5 wait 100, 200 and 300 ms.
	for i, min := range []time.Duration{0, 0, 100, 200, 300} {
		if delays[i] < min*9/10 {
			t.Errorf("error %d answered after %v, want at least %v", i+1, delays[i], min)
		}
	}
	if got := reasons(f.recs.All(events.Rejection)); got["errors"] != 1 {
		t.Errorf("Rejection records %v, want one with reason errors", got)
	}
}

// countingAuth counts password checks: each is ~100 ms of bcrypt in a
// real server.
type countingAuth struct{ n atomic.Int64 }

func (a *countingAuth) Authenticate(ctx context.Context, user, pass string) (string, error) {
	a.n.Add(1)
	return testAuth.Authenticate(ctx, user, pass)
}

func TestAuthFailureLimitPerClient(t *testing.T) {
	auth := &countingAuth{}
	f := start(t, Options{Auth: auth, AuthFailureLimit: 3, HardErrorLimit: -1}, remoteAt("192.0.2.40"))
	rc := dialRaw(t, f.addr)
	rc.cmd("EHLO client.test", "250 ")
	for range 3 {
		rc.cmd("AUTH PLAIN "+plainIR("alice", "guess"), "535 5.7.8 ")
	}
	rc.cmd("AUTH PLAIN "+plainIR("alice", "guess"), "421 4.7.0 ")
	if !rc.closed() {
		t.Fatal("connection open after the AUTH failure limit")
	}
	// A new connection from the same address gets no more guesses, even
	// with the right password, until the window passes.
	rc = dialRaw(t, f.addr)
	rc.cmd("EHLO client.test", "250 ")
	rc.cmd("AUTH PLAIN "+plainIR("alice", "s3cret"), "421 4.7.0 ")
	if n := auth.n.Load(); n != 3 {
		t.Errorf("%d password checks, want 3 (none after the limit)", n)
	}
}

func TestRejectionRecordsSummarised(t *testing.T) {
	f := start(t, Options{HardErrorLimit: -1, SoftErrorLimit: -1, RecordsPerSession: 5}, remoteAt("192.0.2.50"))
	rc := dialRaw(t, f.addr)
	rc.cmd("EHLO client.test", "250 ")
	rc.cmd("MAIL FROM:<a@example.org>", "250 ")
	const n = 2000
	rc.write(strings.Repeat("RCPT TO:<b@example.net>\r\n", n))
	for i := range n {
		if got := rc.reply(); !strings.HasPrefix(got, "554 5.7.1 ") {
			t.Fatalf("reply %d: %q", i+1, got)
		}
	}
	rc.cmd("QUIT", "221 ")
	rc.closed()
	f.recs.WaitFor(t, events.Rejection, 6, 5*time.Second)
	recs := f.recs.All(events.Rejection)
	if len(recs) != 6 {
		t.Fatalf("%d Rejection records for %d refusals, want 5 and one summary", len(recs), n)
	}
	sum := recs[5]
	if sum.Reason != "suppressed" || sum.Meta["suppressed"] != itoa(n-5) || sum.Meta["reasons"] != "relay="+itoa(n-5) {
		t.Errorf("summary record %+v", sum)
	}
}

// lastReply reads until the server closes (within 10 s) and returns the
// last line it sent. go-smtp takes the part of a line it had when the
// read timed out for a command, and answers it, before its 421.
func (rc *raw) lastReply() string {
	rc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	last := ""
	for {
		line, err := rc.r.ReadString('\n')
		if err != nil {
			return last
		}
		last = strings.TrimRight(line, "\r\n")
	}
}
