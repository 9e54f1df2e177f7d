package reception

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
)

// limitListener refuses connections beyond MaxConnections before go-smtp
// sees them (go-smtp has no connection limit) and wraps the others in a
// trackedConn.
type limitListener struct {
	net.Listener
	srv *Server
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		tc := l.srv.conns.admit(c, l.srv.opts.CommandTimeout)
		if tc != nil {
			return tc, nil
		}
		l.srv.refuseConn(c)
	}
}

// refuseConn answers 421 4.7.0 and closes. The client has not spoken yet,
// so the short reply fits in the socket buffer and the write cannot stall
// the accept loop for more than the deadline.
func (s *Server) refuseConn(c net.Conn) {
	const text = "Too many connections, try again later"
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.Write([]byte("421 4.7.0 " + s.opts.Hostname + " " + text + "\r\n"))
	_ = c.Close()
	s.records.Record(&events.Record{
		Type:     events.Rejection,
		Time:     time.Now(),
		Peer:     addrPortOf(c.RemoteAddr()).String(),
		Reason:   "connections",
		Response: &message.Response{Code: 421, Enhanced: "4.7.0", Text: text},
	})
}

// trackedConn is every accepted connection. It sets a fresh read deadline
// before each read (command or data timeout, whichever the session is in),
// makes a read timeout final, and tells Shutdown whether a transaction is
// under way.
//
// It also captures message data (capture.go). The fields after once are
// touched only by the goroutine reading the connection.
type trackedConn struct {
	net.Conn
	table   *connTable
	timeout atomic.Int64 // time.Duration of the next read's deadline
	busy    atomic.Bool  // between MAIL and the end of the transaction
	eof     atomic.Bool  // the client closed its side
	once    sync.Once

	readErr   error   // sticky: a timeout, a line too long
	oneLine   bool    // the last read returned one line, ending with it
	capturing bool    // Read captures message data
	capture   capture //
	pending   []byte  // bytes for go-smtp after a capture
}

// Read fails for good once a read timed out: otherwise go-smtp would read
// on after a DATA timeout and take the rest of the message for commands.
func (c *trackedConn) Read(p []byte) (n int, err error) {
	switch {
	case c.readErr != nil:
		return 0, c.readErr
	case c.capturing:
		n, err = c.readCaptured(p)
	case len(c.pending) > 0:
		n = c.takePending(p)
	default:
		n, err = c.readConn(p)
	}
	// A DATA line is short: longer reads are never one line worth checking.
	c.oneLine = n > 0 && n <= 512 && p[n-1] == '\n' && bytes.IndexByte(p[:n-1], '\n') < 0
	return n, err
}

// readConn reads from the connection with a fresh deadline.
func (c *trackedConn) readConn(p []byte) (int, error) {
	if d := time.Duration(c.timeout.Load()); d > 0 {
		if err := c.Conn.SetReadDeadline(time.Now().Add(d)); err != nil {
			return 0, err
		}
	}
	n, err := c.Conn.Read(p)
	switch {
	case err == nil:
	case err == io.EOF:
		c.eof.Store(true)
	case isTimeout(err):
		c.readErr = err
	}
	return n, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// SetReadDeadline is ignored: trackedConn owns read deadlines (go-smtp and
// crypto/tls would otherwise set totals over them).
func (c *trackedConn) SetReadDeadline(time.Time) error { return nil }

// SetDeadline only sets the write deadline, for the same reason.
func (c *trackedConn) SetDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(t) }

func (c *trackedConn) setTimeout(d time.Duration) { c.timeout.Store(int64(d)) }

func (c *trackedConn) Close() error {
	c.once.Do(func() { c.table.remove(c) })
	return c.Conn.Close()
}

// connTable counts and tracks live connections of all listeners.
type connTable struct {
	mu  sync.Mutex
	max int
	set map[*trackedConn]struct{}
}

func (t *connTable) init(max int) {
	t.max = max
	t.set = make(map[*trackedConn]struct{})
}

// admit returns the tracked form of c, or nil when the table is full.
func (t *connTable) admit(c net.Conn, timeout time.Duration) *trackedConn {
	tc := &trackedConn{Conn: c, table: t}
	tc.setTimeout(timeout)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.max > 0 && len(t.set) >= t.max {
		return nil
	}
	t.set[tc] = struct{}{}
	return tc
}

func (t *connTable) remove(c *trackedConn) {
	t.mu.Lock()
	delete(t.set, c)
	t.mu.Unlock()
}

// snapshot returns the live connections, busy ones included when all.
func (t *connTable) snapshot(all bool) []*trackedConn {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]*trackedConn, 0, len(t.set))
	for c := range t.set {
		if all || !c.busy.Load() {
			out = append(out, c)
		}
	}
	return out
}

// closeIdle closes connections outside a transaction: nothing the client
// sent is lost, it reconnects later.
func (t *connTable) closeIdle() {
	for _, c := range t.snapshot(false) {
		c.Close()
	}
}

func (t *connTable) closeAll() {
	for _, c := range t.snapshot(true) {
		c.Close()
	}
}

// live reports whether a connection from remote address addr is open.
func (t *connTable) live(addr string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for c := range t.set {
		if c.RemoteAddr().String() == addr {
			return true
		}
	}
	return false
}

func (t *connTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.set)
}

// addrPortOf returns the IP and port of a remote address, IPv4-mapped IPv6
// addresses unmapped; the zero AddrPort when it has none.
func addrPortOf(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	if a == nil {
		return netip.AddrPort{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
