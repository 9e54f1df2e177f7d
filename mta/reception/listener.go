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
		tc, why := l.srv.conns.admit(c)
		if tc != nil {
			return tc, nil
		}
		l.srv.refuseConn(c, why)
	}
}

// refuseConn answers 421 4.7.0 and closes. The client has not spoken yet,
// so the short reply fits in the socket buffer and the write cannot stall
// the accept loop for more than the deadline.
func (s *Server) refuseConn(c net.Conn, why string) {
	text := "Too many connections, try again later"
	if why != refusedFull {
		text = "Too many connections from your address, try again later"
	}
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.Write([]byte("421 4.7.0 " + s.opts.Hostname + " " + text + "\r\n"))
	_ = c.Close()
	s.rejections.record(&events.Record{
		Type:     events.Rejection,
		Time:     time.Now(),
		Peer:     addrPortOf(c.RemoteAddr()).String(),
		Reason:   why,
		Response: &message.Response{Code: 421, Enhanced: "4.7.0", Text: text},
	})
}

// trackedConn is every accepted connection. It bounds every wait on the
// client (see deadline), makes a read timeout final, and tells Shutdown
// whether a transaction is under way.
//
// It also captures message data (capture.go). The fields after once are
// touched only by the goroutine reading the connection.
type trackedConn struct {
	net.Conn
	table *connTable
	addr  netip.Addr   // the client's, unmapped
	phase atomic.Int32 // bumped by setData: a new command or DATA starts
	data  atomic.Bool  // message data is awaited
	busy  atomic.Bool  // between MAIL and the end of the transaction
	// replied: a reply was written since the last read, so the next read
	// waits for a new command (set by Write, taken by readDeadline).
	replied atomic.Bool
	eof     atomic.Bool // the client closed its side
	once    sync.Once

	seen      int32     // phase the deadline belongs to
	deadline  time.Time // of the current command or DATA; zero: none yet
	readErr   error     // sticky: a timeout, a line too long
	oneLine   bool      // the last read returned one line, ending with it
	capturing bool      // Read captures message data
	capture   capture   //
	pending   []byte    // bytes for go-smtp after a capture

	// Replies written and not yet sent (Write); outMu because go-smtp's
	// Server.Close closes connections from its own goroutine.
	outMu  sync.Mutex
	out    []byte
	outErr error // sticky: the connection cannot be written to
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

// readConn reads from the connection under the current deadline.
func (c *trackedConn) readConn(p []byte) (int, error) {
	if err := c.flush(); err != nil {
		return 0, err
	}
	now := time.Now()
	if err := c.Conn.SetReadDeadline(c.readDeadline(now)); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	c.consumed(p[:n])
	switch {
	case err == nil:
	case err == io.EOF:
		c.eof.Store(true)
	case isTimeout(err):
		c.readErr = err
	}
	return n, err
}

// readDeadline is when the current wait ends. A timeout bounds a whole
// command line, however slowly it trickles in, and a whole DATA: the data
// timeout plus the time its bytes earned at MinDataRate (Postfix's
// smtpd_min_data_rate), and never more than the data timeout between two
// reads. Under stress (the listener near its connection limit) the
// shorter stress timeouts apply to waits that start then.
func (c *trackedConn) readDeadline(now time.Time) time.Time {
	data := c.data.Load()
	limit := c.table.timeout(data)
	if c.replied.Swap(false) && !data {
		c.deadline = time.Time{}
	}
	if ph := c.phase.Load(); ph != c.seen || c.deadline.IsZero() {
		c.seen, c.deadline = ph, now.Add(limit)
	}
	if idle := now.Add(limit); data && idle.Before(c.deadline) {
		return idle
	}
	return c.deadline
}

// consumed moves the deadline on what a read brought: message data earns
// time at the minimum rate. A command's deadline ends when its reply is
// written (Write): the bytes read may be TLS records, whose line ends
// cannot be seen here.
func (c *trackedConn) consumed(b []byte) {
	if len(b) > 0 && c.data.Load() {
		c.deadline = c.deadline.Add(time.Duration(len(b)) * time.Second / time.Duration(c.table.minRate))
	}
}

// Write notes that a reply went out: the next read waits for a new
// command, with a fresh deadline.
// Write keeps replies until the session next waits for the client (or
// closes): go-smtp writes and flushes every line of a reply on its own, so
// a multi-line EHLO reply was a system call per line, and the replies to a
// pipelined group one each. Sent when the next read starts, they leave in
// one write, in order, before the server waits for anything — the
// batching RFC 2920 section 3 expects of a server.
func (c *trackedConn) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.replied.Store(true)
	c.outMu.Lock()
	defer c.outMu.Unlock()
	if c.outErr != nil {
		return 0, c.outErr
	}
	c.out = append(c.out, p...)
	if len(c.out) >= maxHeldReplies {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// maxHeldReplies bounds what Write keeps: a client pipelining thousands of
// commands gets its replies in pieces of this size.
const maxHeldReplies = 16 << 10

// closeFlushTimeout bounds sending the held replies at Close.
const closeFlushTimeout = 2 * time.Second

// flush sends the held replies.
func (c *trackedConn) flush() error {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	return c.flushLocked()
}

func (c *trackedConn) flushLocked() error {
	if len(c.out) == 0 || c.outErr != nil {
		return c.outErr
	}
	_, err := c.Conn.Write(c.out)
	if cap(c.out) > maxHeldReplies {
		c.out = nil // a burst's buffer is not kept by an idle connection
	} else {
		c.out = c.out[:0]
	}
	c.outErr = err
	return err
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

// setData switches between waiting for commands and for message data;
// either starts a fresh deadline.
func (c *trackedConn) setData(on bool) {
	c.data.Store(on)
	c.phase.Add(1)
}

func (c *trackedConn) Close() error {
	c.once.Do(func() { c.table.remove(c) })
	// A last reply (221, 421) and TLS's close_notify go out before the
	// close, under a deadline of their own: crypto/tls sets the write
	// deadline to "now" once it has written close_notify (into out), and a
	// client that stopped reading must not hold the close for longer.
	c.Conn.SetWriteDeadline(time.Now().Add(closeFlushTimeout))
	c.flush() // its error is the peer's problem
	return c.Conn.Close()
}

// connTable counts and tracks live connections of all listeners, per
// client too, and knows the timeouts (which depend on how full it is).
type connTable struct {
	mu      sync.Mutex
	max     int
	limits  clientLimits
	clients clientCounts
	set     map[*trackedConn]struct{}
	count   atomic.Int64

	command, data             time.Duration
	stressCommand, stressData time.Duration
	stressAt                  int64 // live connections from which stress timeouts apply
	minRate                   int64 // bytes per second of message data
}

func (t *connTable) init(o *Options) {
	t.max = o.MaxConnections
	t.set = make(map[*trackedConn]struct{})
	t.clients.init()
	t.command, t.data = o.CommandTimeout, o.DataTimeout
	t.stressCommand, t.stressData = min(o.StressCommandTimeout, o.CommandTimeout), min(o.StressDataTimeout, o.DataTimeout)
	t.stressAt = int64(max(1, o.MaxConnections*o.StressThreshold/100))
	t.minRate = int64(o.MinDataRate)
}

// timeout is the limit of a wait that starts now.
func (t *connTable) timeout(data bool) time.Duration {
	stressed := t.stressed()
	switch {
	case data && stressed:
		return t.stressData
	case data:
		return t.data
	case stressed:
		return t.stressCommand
	}
	return t.command
}

// stressed reports whether the stress timeouts apply.
func (t *connTable) stressed() bool { return t.count.Load() >= t.stressAt }

// admit returns the tracked form of c, or nil and why it is refused.
func (t *connTable) admit(c net.Conn) (*trackedConn, string) {
	tc := &trackedConn{Conn: c, table: t, addr: addrPortOf(c.RemoteAddr()).Addr()}
	t.mu.Lock()
	defer t.mu.Unlock()
	if why := t.clients.check(&t.limits, tc.addr, len(t.set), t.max, time.Now()); why != "" {
		return nil, why
	}
	t.set[tc] = struct{}{}
	t.clients.add(tc.addr, 1)
	t.count.Store(int64(len(t.set)))
	return tc, ""
}

func (t *connTable) remove(c *trackedConn) {
	t.mu.Lock()
	delete(t.set, c)
	t.clients.add(c.addr, -1)
	t.count.Store(int64(len(t.set)))
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
