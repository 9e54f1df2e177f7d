package reception

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testrec"
	"github.com/wasmta/wasmta/mta/message"
)

var loopbackNets = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// spooled is one message the test Submitter received.
type spooled struct {
	m    *message.Message
	body string
}

// collector is the test Submitter: it keeps what it is given, or fails
// with err.
type collector struct {
	mu   sync.Mutex
	msgs []spooled
	err  error
}

func (c *collector) Submit(_ context.Context, m *message.Message, body []byte, onSpooled func()) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	c.msgs = append(c.msgs, spooled{m, string(body)})
	if onSpooled != nil {
		onSpooled()
	}
	return nil
}

func (c *collector) all() []spooled {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]spooled(nil), c.msgs...)
}

type fixture struct {
	srv  *Server
	addr string
	sub  *collector
	recs *testrec.Recorder
}

// start runs a Server on 127.0.0.1 with opts (Submitter, Records, Hostname
// and a quiet Logger filled in when unset). wrap, when given, wraps the
// real TCP listener (to present another client address).
func start(t testing.TB, opts Options, wrap func(net.Listener) net.Listener) *fixture {
	t.Helper()
	f := &fixture{sub: &collector{}, recs: testrec.New()}
	if opts.Submitter == nil {
		opts.Submitter = f.sub
	}
	if opts.Records == nil {
		opts.Records = f.recs
	}
	if opts.Hostname == "" {
		opts.Hostname = "mx.test"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.srv, f.addr = srv, ln.Addr().String()
	if wrap != nil {
		ln = wrap(ln)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return f
}

// client dials the fixture with go-smtp's client and says EHLO.
func (f *fixture) client(t testing.TB) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(f.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	return c
}

// send runs one transaction on c and returns the DATA reply or the first
// error.
func send(c *smtp.Client, from string, to []string, msg string) (string, error) {
	if err := c.Mail(from, nil); err != nil {
		return "", err
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return "", err
		}
	}
	w, err := c.Data()
	if err != nil {
		return "", err
	}
	if _, err := io.WriteString(w, msg); err != nil {
		return "", err
	}
	resp, err := w.CloseWithResponse()
	if err != nil {
		return "", err
	}
	return resp.StatusText, nil
}

// wantCode fails unless err is an SMTP reply with code and enhanced code.
func wantCode(t testing.TB, err error, code int, enhanced string) {
	t.Helper()
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want SMTP error %d %s", err, code, enhanced)
	}
	if se.Code != code || enhancedString(se.EnhancedCode) != enhanced {
		t.Fatalf("got %d %s %q, want %d %s", se.Code, enhancedString(se.EnhancedCode), se.Message, code, enhanced)
	}
}

// raw is a client that writes bytes as given, for what go-smtp's client
// would refuse to send.
type raw struct {
	t testing.TB
	c net.Conn
	r *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *raw {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	rc := &raw{t: t, c: c, r: bufio.NewReader(c)}
	rc.expect("220 ")
	return rc
}

func (rc *raw) write(s string) {
	rc.t.Helper()
	if _, err := io.WriteString(rc.c, s); err != nil {
		rc.t.Fatalf("write: %v", err)
	}
}

// reply reads one reply (all its lines) and returns its last line; "" at
// EOF.
func (rc *raw) reply() string {
	rc.t.Helper()
	rc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		line, err := rc.r.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err) {
				return ""
			}
			rc.t.Fatalf("reading reply: %v (got %q)", err, line)
		}
		line = strings.TrimRight(line, "\r\n")
		if len(line) < 4 || line[3] != '-' {
			return line
		}
	}
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

// expect reads a reply and fails unless it starts with prefix.
func (rc *raw) expect(prefix string) string {
	rc.t.Helper()
	got := rc.reply()
	if !strings.HasPrefix(got, prefix) {
		rc.t.Fatalf("got reply %q, want %q...", got, prefix)
	}
	return got
}

// cmd sends line with CRLF and checks the reply's prefix.
func (rc *raw) cmd(line, prefix string) string {
	rc.t.Helper()
	rc.write(line + "\r\n")
	return rc.expect(prefix)
}

// closed reports whether the server has closed the connection (reading
// EOF within the deadline).
func (rc *raw) closed() bool {
	rc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := rc.r.ReadByte()
	return err != nil
}

// peerListener makes every connection of a real listener report addr as
// its remote address, so a test on loopback can play a remote client.
type peerListener struct {
	net.Listener
	addr net.Addr
}

func (l peerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return peerConn{c, l.addr}, nil
}

type peerConn struct {
	net.Conn
	addr net.Addr
}

func (c peerConn) RemoteAddr() net.Addr { return c.addr }

func remoteAt(ip string) func(net.Listener) net.Listener {
	return func(ln net.Listener) net.Listener {
		return peerListener{ln, &net.TCPAddr{IP: net.ParseIP(ip), Port: 40001}}
	}
}

var clientTLS = &tls.Config{InsecureSkipVerify: true}

func itoa(n int) string { return strconv.Itoa(n) }

type netipPrefix = netip.Prefix

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// plainIR is the base64 initial response of AUTH PLAIN.
func plainIR(user, pass string) string { return plainIRAs("", user, pass) }

func plainIRAs(identity, user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(identity + "\x00" + user + "\x00" + pass))
}

// tlsClient dials the fixture with go-smtp's client, runs STARTTLS and
// says EHLO again.
func (f *fixture) tlsClient(t testing.TB) *smtp.Client {
	t.Helper()
	c, err := smtp.DialStartTLS(f.addr, clientTLS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	return c
}
