package delivery

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
)

// Session is one SMTP client connection, ready for transactions after Dial.
// It is not safe for concurrent use: one delivery worker owns it.
type Session struct {
	opts     Options
	raw      net.Conn // the TCP connection, under TLS when there is TLS
	conn     net.Conn // what we read and write: raw or a *tls.Conn over it
	r        *bufio.Reader
	w        *bufio.Writer
	rr       *replyReader
	remote   netip.AddrPort
	local    netip.AddrPort
	hostname string
	ext      map[string]string
	caps     caps
	tls      *tls.ConnectionState
	broken   error // set once the connection is unusable; it is closed then
	num      [24]byte

	// dl orders the deadline a cancellation sets (watch) against the ones
	// each I/O sets (deadline): the watch's callback runs on its own
	// goroutine, whenever the context ends.
	dl struct {
		sync.Mutex
		watch     uint64 // the current watch; a callback of an older one does nothing
		cancelled bool   // the current watch's context ended: the deadline stays in the past
	}
}

// caps are the EHLO keywords the client acts on, parsed once.
type caps struct {
	pipelining, chunking, eightBit, smtputf8, startTLS, authPlain bool
	sizeLimit                                                     int64 // 0 = none announced
	size                                                          bool  // SIZE offered
}

const (
	readBufSize  = 4 << 10
	writeBufSize = 16 << 10 // commands and a typical body leave in one write
)

// sessionCache lets STARTTLS resume sessions with hosts we saw before when
// the caller's base config has no cache of its own.
var sessionCache = tls.NewLRUClientSessionCache(4096)

// Dial connects to addr, reads the banner, greets (EHLO, or HELO when EHLO
// is refused), starts TLS as opts.TLS says and authenticates when opts.Auth
// is set. hostname is the name of the host for TLS (SNI, verification) and
// for records. With TLSOpportunistic, a server that offers STARTTLS but
// fails the handshake is tried again in clear on a new connection, as
// Postfix does at TLS security level "may".
func Dial(ctx context.Context, addr netip.AddrPort, hostname string, opts Options) (*Session, error) {
	opts = withDefaults(opts)
	s, err := dial(ctx, addr, hostname, opts)
	var de *Error
	if err != nil && opts.TLS == policy.TLSOpportunistic && errors.As(err, &de) && de.Stage == StageTLS && ctx.Err() == nil {
		opts.TLS = policy.TLSDisabled
		return dial(ctx, addr, hostname, opts)
	}
	return s, err
}

func dial(ctx context.Context, addr netip.AddrPort, hostname string, opts Options) (*Session, error) {
	d := net.Dialer{Timeout: opts.ConnectTimeout}
	if opts.LocalAddr.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: opts.LocalAddr.AsSlice(), Zone: opts.LocalAddr.Zone()}
	}
	conn, err := d.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		return nil, &Error{Stage: StageConnect, Err: err, Temporary: true}
	}
	s := &Session{
		opts: opts, raw: conn, conn: conn, remote: addr, hostname: hostname,
	}
	s.r, s.w = bufio.NewReaderSize(s.tapped(conn), readBufSize), bufio.NewWriterSize(s.tapped(conn), writeBufSize)
	s.rr = newReplyReader(s.r)
	if la, ok := conn.LocalAddr().(*net.TCPAddr); ok {
		s.local = la.AddrPort()
	}
	stop := s.watch(ctx)
	err = s.setup()
	if err != nil && ctx.Err() == nil {
		s.quitAfterRefusal(ctx, err)
	}
	stop()
	if err != nil {
		s.breakWith(err)
		return nil, s.withContext(ctx, err)
	}
	return s, nil
}

// quitAfterRefusal says QUIT on a connection whose setup the server
// refused with a reply that keeps it open: a greeting other than 220
// ("554 No SMTP service here", RFC 5321 3.1: the server then waits for
// QUIT and answers anything else with 503), a refused EHLO and HELO,
// STARTTLS or AUTH. RFC 5321 4.1.1.10: the client MUST NOT close the
// channel until it has sent QUIT, and SHOULD wait for its reply. Until
// 2026-12 such a connection was closed without a word, which a server
// logs as a lost connection. The same holds when the client itself stops
// after a greeting the server completed: STARTTLS required but not
// offered, AUTH PLAIN not offered, credentials refused in clear. A 421
// closes the channel from the server's side (RFC 5321 3.8), and a
// failure without a reply (a reset, a timeout, a failed TLS handshake,
// data injected after STARTTLS's 220) leaves nothing sound to say QUIT
// on. It runs under dial's watch of ctx, so a cancellation ends the wait
// for the reply (the watch keeps the deadline in the past against
// flush's); ctx is checked after flush only to skip a read bound to fail.
func (s *Session) quitAfterRefusal(ctx context.Context, err error) {
	var de *Error
	if !errors.As(err, &de) {
		return
	}
	local := errors.Is(de.Err, ErrTLSRequired) || errors.Is(de.Err, ErrAuthNoPlain) || errors.Is(de.Err, ErrAuthNoTLS)
	if !local && (de.Err != nil || de.Response.Code == 0 || de.Response.Code == 421) {
		return
	}
	s.w.WriteString("QUIT\r\n")
	if s.flush("quit", min(s.opts.CommandTimeout, 5*time.Second)) == nil && ctx.Err() == nil {
		s.rr.read()
	}
}

func (s *Session) setup() error {
	s.deadline(s.opts.CommandTimeout)
	banner, err := s.rr.read()
	if err != nil {
		return &Error{Stage: StageBanner, Err: err, Temporary: true}
	}
	if banner.Code != 220 {
		return refusal(StageBanner, banner)
	}
	if err := s.hello(); err != nil {
		return err
	}
	if err := s.startTLS(); err != nil {
		return err
	}
	if s.opts.Auth != nil {
		return s.auth()
	}
	return nil
}

// watch makes a cancelled ctx end whatever the session is blocked on, by
// moving the connection's deadline to the past, and keeps it there: a
// deadline set after the cancellation (the next command's) is not set, so
// a cancellation that lands between two reads or writes is not undone by
// the next one (until 2026-12 it was, and the session then waited the
// full command or data timeout for a silent server). stop ends the watch;
// a later watch (the next transaction's, under its own ctx) starts clean.
func (s *Session) watch(ctx context.Context) (stop func() bool) {
	s.dl.Lock()
	s.dl.watch++
	w := s.dl.watch
	s.dl.cancelled = false
	s.dl.Unlock()
	if ctx.Done() == nil {
		return func() bool { return true }
	}
	stopped := context.AfterFunc(ctx, func() {
		s.dl.Lock()
		defer s.dl.Unlock()
		if s.dl.watch == w {
			s.dl.cancelled = true
			s.raw.SetDeadline(time.Unix(1, 0))
		}
	})
	return func() bool {
		ok := stopped()
		s.dl.Lock()
		s.dl.watch++ // a callback that started anyway finds a newer watch
		s.dl.cancelled = false
		s.dl.Unlock()
		return ok
	}
}

// withContext reports the caller's cancellation rather than the timeout it
// caused.
func (s *Session) withContext(ctx context.Context, err error) error {
	var de *Error
	if cerr := ctx.Err(); cerr != nil && errors.As(err, &de) && de.Response.Code == 0 {
		de.Err = cerr
	}
	return err
}

// deadline gives the next read or write d, unless the watched context
// has ended.
func (s *Session) deadline(d time.Duration) {
	s.dl.Lock()
	if !s.dl.cancelled {
		s.raw.SetDeadline(time.Now().Add(d))
	}
	s.dl.Unlock()
}

// breakWith marks the session unusable and closes the connection.
func (s *Session) breakWith(err error) {
	if s.broken == nil {
		s.broken = err
		s.conn.Close()
	}
}

// command sends one command and reads its reply.
func (s *Session) command(stage, verb, arg string) (message.Response, error) {
	s.w.WriteString(verb)
	s.w.WriteString(arg)
	s.w.Write(crlf)
	if err := s.flush(stage, s.opts.CommandTimeout); err != nil {
		return message.Response{}, err
	}
	return s.reply(stage)
}

func (s *Session) flush(stage string, d time.Duration) error {
	s.deadline(d)
	if err := s.w.Flush(); err != nil {
		return &Error{Stage: stage, Err: err, Temporary: true}
	}
	return nil
}

// reply reads a reply; a 421 is turned into an error (the server is closing).
func (s *Session) reply(stage string) (message.Response, error) {
	resp, err := s.rr.read()
	if err != nil {
		return resp, &Error{Stage: stage, Err: err, Temporary: true}
	}
	if resp.Code == 421 {
		return resp, refusal(stage, resp)
	}
	return resp, nil
}

func (s *Session) hello() error {
	resp, err := s.command(StageEHLO, "EHLO ", s.opts.EHLO)
	if err != nil {
		return err
	}
	if resp.Code == 250 {
		s.parseEHLO(resp.Text)
		return nil
	}
	if resp.Code/100 != 5 {
		return refusal(StageEHLO, resp)
	}
	// RFC 5321 4.1.4: a server that refuses EHLO may still speak HELO.
	if resp, err = s.command(StageEHLO, "HELO ", s.opts.EHLO); err != nil {
		return err
	}
	if resp.Code != 250 {
		return refusal(StageEHLO, resp)
	}
	s.ext, s.caps = map[string]string{}, caps{}
	return nil
}

func (s *Session) parseEHLO(text string) {
	s.ext, s.caps = map[string]string{}, caps{}
	lines := strings.Split(text, "\n")
	for _, l := range lines[1:] { // the first line is the greeting
		kw, param, _ := strings.Cut(strings.TrimSpace(l), " ")
		kw = strings.ToUpper(kw)
		s.ext[kw] = param
		switch kw {
		case "PIPELINING":
			s.caps.pipelining = true
		case "CHUNKING":
			s.caps.chunking = true
		case "8BITMIME":
			s.caps.eightBit = true
		case "SMTPUTF8":
			s.caps.smtputf8 = true
		case "STARTTLS":
			s.caps.startTLS = true
		case "SIZE":
			s.caps.size = true
			s.caps.sizeLimit, _ = strconv.ParseInt(strings.TrimSpace(param), 10, 64)
		case "AUTH":
			s.caps.authPlain = containsFold(strings.Fields(param), "PLAIN")
		}
	}
}

func containsFold(list []string, want string) bool {
	for _, v := range list {
		if strings.EqualFold(v, want) {
			return true
		}
	}
	return false
}
