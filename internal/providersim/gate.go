package providersim

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// gate stands between the TCP listener and go-smtp: it counts every
// connection, refuses those over the per-IP limit with the provider's own
// greeting, and holds the others for the banner latency before go-smtp
// sends its 220. go-smtp greets as soon as Serve hands it a connection, so
// this is the only place both can happen.
type gate struct {
	raw   net.Listener
	h     *host
	ready chan net.Conn
	done  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once

	mu   sync.Mutex
	live map[*trackedConn]struct{} // handed over and not yet closed
}

func newGate(raw net.Listener, h *host) *gate {
	g := &gate{
		raw: raw, h: h, ready: make(chan net.Conn), done: make(chan struct{}),
		live: map[*trackedConn]struct{}{},
	}
	g.wg.Add(1)
	go g.acceptLoop()
	return g
}

func (g *gate) acceptLoop() {
	defer g.wg.Done()
	for {
		c, err := g.raw.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors and the like: pause rather than spin.
			if !sleepOrDone(g.done, 10*time.Millisecond) {
				return
			}
			continue
		}
		g.wg.Add(1)
		go g.admit(c)
	}
}

// connGrace is how long a connection over the per-IP limit waits for a
// slot before it is refused. A sender that reads 221 to its QUIT and opens
// a new connection at once can otherwise arrive before the server has
// finished closing the old one, and be refused for a race of microseconds.
const connGrace = 100 * time.Millisecond

// admit decides the fate of one fresh connection.
func (g *gate) admit(c net.Conn) {
	defer g.wg.Done()
	ip := clientIP(c.RemoteAddr())
	g.settleGone(ip)
	if !g.waitForSlot(ip, g.h.p.StrictConnLimit) {
		select {
		case <-g.done:
			c.Close()
			return
		default:
		}
		g.h.openRefused(ip)
		g.refuse(c, ip)
		return
	}
	g.h.startChanges()
	tc := &trackedConn{Conn: c, ip: ip}
	tc.onClose = func() {
		g.h.connClose(ip, true)
		g.mu.Lock()
		delete(g.live, tc)
		g.mu.Unlock()
	}
	g.mu.Lock()
	g.live[tc] = struct{}{}
	g.mu.Unlock()
	if !sleepOrDone(g.done, g.h.dice.delay(g.h.p.Latency.Banner)) {
		tc.Close()
		return
	}
	select {
	case g.ready <- tc:
	case <-g.done:
		tc.Close()
	}
}

// settleGone stops counting the connections from ip whose client has
// already hung up, before a new one from ip is counted.
func (g *gate) settleGone(ip string) {
	g.mu.Lock()
	var gone []*trackedConn
	for tc := range g.live {
		if tc.ip == ip && peerGone(tc.Conn) {
			gone = append(gone, tc)
		}
	}
	g.mu.Unlock()
	for _, tc := range gone {
		tc.settle()
	}
}

// waitForSlot counts the connection in if ip has a free slot within
// connGrace (at once when strict), and reports whether it did.
func (g *gate) waitForSlot(ip string, strict bool) bool {
	var grace <-chan time.Time
	for {
		ok, freed := g.h.tryOpen(ip)
		if ok {
			return true
		}
		if strict {
			return false
		}
		if grace == nil {
			t := time.NewTimer(connGrace)
			defer t.Stop()
			grace = t.C
		}
		select {
		case <-freed:
		case <-grace:
			return false
		case <-g.done:
			return false
		}
	}
}

func (g *gate) refuse(c net.Conn, ip string) {
	defer g.h.connClose(ip, false)
	defer c.Close()
	r := g.h.p.ConnLimitReply
	_ = c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	_, _ = c.Write(r.wire(replyVars{ip: ip, host: g.h.p.Hostname, id: g.h.dice.id()}))
	// Half-close and drain briefly so the client reads the reply instead
	// of a reset caused by unread input.
	if tcp, ok := c.(*net.TCPConn); ok {
		_ = tcp.CloseWrite()
	}
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
}

// Accept hands go-smtp the connections the gate let through.
func (g *gate) Accept() (net.Conn, error) {
	select {
	case c := <-g.ready:
		return c, nil
	case <-g.done:
		return nil, net.ErrClosed
	}
}

// Close stops accepting; connections already handed over are go-smtp's.
func (g *gate) Close() error {
	var err error
	g.once.Do(func() {
		close(g.done)
		err = g.raw.Close()
	})
	return err
}

func (g *gate) Addr() net.Addr { return g.raw.Addr() }

// shutdown closes the gate and every connection it let through, then
// waits for the goroutines it started.
func (g *gate) shutdown() {
	g.Close()
	g.mu.Lock()
	conns := make([]*trackedConn, 0, len(g.live))
	for tc := range g.live {
		conns = append(conns, tc)
	}
	g.mu.Unlock()
	for _, tc := range conns {
		tc.Close()
	}
	g.wg.Wait()
}

// trackedConn releases its connection slot once, when the client is seen
// gone or on the first Close, and can be told to report end of input so
// that go-smtp ends the session right after writing a reply that closes
// the connection.
type trackedConn struct {
	net.Conn
	ip       string
	onClose  func()
	once     sync.Once
	hangUp   atomic.Bool
	messages atomic.Int64 // accepted on this connection, across STARTTLS
}

func (c *trackedConn) Read(b []byte) (int, error) {
	if c.hangUp.Load() {
		return 0, io.EOF
	}
	return c.Conn.Read(b)
}

// settle releases the slot without closing: go-smtp still owns the socket.
func (c *trackedConn) settle() { c.once.Do(c.onClose) }

func (c *trackedConn) Close() error {
	c.settle()
	return c.Conn.Close()
}

// unwrapTracked finds the trackedConn under a go-smtp connection, which is
// a *tls.Conn after STARTTLS.
func unwrapTracked(c net.Conn) *trackedConn {
	if t, ok := c.(*tls.Conn); ok {
		c = t.NetConn()
	}
	tc, _ := c.(*trackedConn)
	return tc
}

func clientIP(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// sleepOrDone waits d and reports false if done closed first.
func sleepOrDone(done <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}
