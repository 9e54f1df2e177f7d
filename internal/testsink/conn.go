package testsink

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
)

// listener counts connections before go-smtp sees them.
type listener struct {
	net.Listener
	sink *Sink
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	ip := hostOf(c.RemoteAddr())
	l.sink.mu.Lock()
	l.sink.conns++
	l.sink.connsBy[ip]++
	wc := &conn{Conn: c, sink: l.sink, ip: ip}
	l.sink.open[wc] = struct{}{}
	l.sink.peak = max(l.sink.peak, len(l.sink.open))
	l.sink.mu.Unlock()
	return wc, nil
}

// conn counts reads, replaces go-smtp's unconditional 220 greeting by the
// "connect" stage's refusal when there is one, holds the banner for the
// "banner" delay, and closes the connection after a reply when a session
// asked for it (421).
type conn struct {
	net.Conn
	sink       *Sink
	ip         string
	greeted    sync.Once
	refused    bool
	closeAfter atomic.Bool
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.sink.reads.Add(1)
	}
	return n, err
}

func (c *conn) Write(p []byte) (int, error) {
	c.greeted.Do(c.greet)
	if c.refused {
		return 0, net.ErrClosed
	}
	n, err := c.Conn.Write(p)
	if c.closeAfter.Load() {
		c.Conn.Close()
	}
	return n, err
}

// reset drops the connection with a TCP RST (no FIN, no reply).
func (c *conn) reset() {
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.refused = true // nothing more is written
	c.Conn.Close()
}

func (c *conn) Close() error {
	c.sink.mu.Lock()
	delete(c.sink.open, c)
	c.sink.mu.Unlock()
	return c.Conn.Close()
}

func hostOf(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	host, _, _ := net.SplitHostPort(a.String())
	return host
}

// greet runs on the first write, which is go-smtp's banner, in the
// connection's own goroutine so a slow or refused greeting holds up no other
// client.
func (c *conn) greet() {
	if rerr := c.sink.respond(StageConnect, c.ip); rerr != nil {
		if rerr == ResetConn {
			c.reset()
			return
		}
		fmt.Fprintf(c.Conn, "%d %s\r\n", rerr.Code, rerr.Message)
		c.Conn.Close()
		c.refused = true
		return
	}
	c.sink.wait(StageBanner)
}
