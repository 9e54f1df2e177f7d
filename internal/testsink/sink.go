package testsink

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Stages passed to Options.Respond and used as Options.Delay keys.
const (
	StageConnect = "connect" // arg: client IP; a refusal is the banner, then the connection closes
	StageBanner  = "banner"  // Delay only: before the 220 greeting
	StageHelo    = "helo"    // arg: the EHLO/HELO name
	StageMail    = "mail"    // arg: reverse path
	StageRcpt    = "rcpt"    // arg: forward path
	StageData    = "data"    // arg: the message body, after the final dot (or last BDAT)
)

// ResetConn, returned by Options.Respond, resets the connection instead of
// replying: a server that crashed or a middlebox that dropped the session
// (at "data", after the whole message was received and before the final
// reply).
var ResetConn = &smtp.SMTPError{Code: 0, Message: "testsink: connection reset"}

// Options configures a sink. The zero value is a plain ESMTP server on
// 127.0.0.1 with a random port that accepts everything.
type Options struct {
	Addr     string // listen address; "" = 127.0.0.1:0
	Hostname string // greeting name; "" = sink.test

	// Respond decides the reply to a stage: nil accepts. n counts how many
	// times this stage has been reached on this sink (1 for the first), which
	// makes "451 then 250" one line. A 421 reply closes the connection after
	// it is written, as real servers do; ResetConn resets it (TCP RST)
	// without a reply.
	Respond func(stage, arg string, n int) *smtp.SMTPError
	// RespondClient is Respond for MAIL, RCPT and DATA with the client's
	// IP (a greylist keys on it), asked when Respond accepts.
	RespondClient func(client, stage, arg string) *smtp.SMTPError

	// Delay holds each reply of a stage (see the Stage constants; "*" is
	// every stage without its own entry). A delay is cut short when the sink
	// stops, so a stalled server ends with its test.
	Delay map[string]time.Duration

	TLS         bool              // offer STARTTLS with a self-signed certificate
	Certificate *tls.Certificate  // offer STARTTLS with this certificate instead (chain included)
	SMTPUTF8    bool              // advertise SMTPUTF8
	RequireTLS  bool              // advertise REQUIRETLS (over TLS only, as go-smtp does)
	MaxSize     int64             // advertise SIZE and refuse larger messages; 0 = no limit
	MaxRcpts    int               // refuse recipients past this many per transaction; 0 = no limit
	Auth        map[string]string // username -> password for AUTH PLAIN; nil = no AUTH
	CountOnly   bool              // keep counters but not the messages (for benchmarks)
	ReadTimeout time.Duration     // idle timeout per command; 0 = 1 minute
}

// Received is one accepted message.
type Received struct {
	From       string
	To         []string
	Data       []byte
	RemoteAddr string // ip:port of the client
	Helo       string
	AuthUser   string
	At         time.Time
	TLS        bool
	UTF8       bool   // MAIL FROM carried SMTPUTF8
	Body       string // BODY= parameter ("7BIT", "8BITMIME" or "")
	Size       int64  // SIZE= parameter, 0 when absent
	RequireTLS bool   // MAIL FROM carried REQUIRETLS
}

// Sink is a running SMTP sink. Its methods are safe for concurrent use.
type Sink struct {
	opts Options
	srv  *smtp.Server
	ln   net.Listener
	done chan struct{}
	stop sync.Once

	reads atomic.Int64

	mu       sync.Mutex
	msgs     []Received
	count    int
	stages   map[string]int
	connsBy  map[string]int
	msgsBy   map[string]int
	conns    int
	changed  chan struct{} // closed and replaced whenever count grows
	open     map[*conn]struct{}
	peak     int // most connections open at once
	tlsCerts *x509.CertPool
}

// Start listens and serves until the test ends.
func Start(t testing.TB, opts Options) *Sink {
	t.Helper()
	s, err := start(opts)
	if err != nil {
		t.Fatalf("testsink: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func start(opts Options) (*Sink, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Hostname == "" {
		opts.Hostname = "sink.test"
	}
	if opts.ReadTimeout == 0 {
		opts.ReadTimeout = time.Minute
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", opts.Addr, err)
	}
	s := &Sink{
		opts: opts, ln: ln, done: make(chan struct{}), changed: make(chan struct{}),
		stages: map[string]int{}, connsBy: map[string]int{}, msgsBy: map[string]int{},
		open: map[*conn]struct{}{},
	}
	s.srv = s.newServer()
	if opts.Certificate != nil {
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*opts.Certificate}}
	} else if opts.TLS {
		cert, pool, err := selfSigned()
		if err != nil {
			ln.Close()
			return nil, err
		}
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.tlsCerts = pool
	}
	go s.srv.Serve(&listener{Listener: ln, sink: s})
	return s, nil
}

func (s *Sink) newServer() *smtp.Server {
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = s.opts.Hostname
	srv.EnableSMTPUTF8 = s.opts.SMTPUTF8
	srv.EnableREQUIRETLS = s.opts.RequireTLS
	srv.MaxMessageBytes = s.opts.MaxSize
	srv.MaxRecipients = s.opts.MaxRcpts
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = s.opts.ReadTimeout
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	return srv
}

// Close stops the sink and drops its connections; it is idempotent and also
// runs when the test ends. It closes the sockets itself and lets each
// go-smtp connection goroutine clean up after its own read fails: go-smtp's
// Server.Close tears connections down from another goroutine and races with
// a BDAT in progress.
func (s *Sink) Close() {
	s.stop.Do(func() {
		close(s.done)
		s.ln.Close()
		s.mu.Lock()
		for c := range s.open {
			c.Conn.Close()
		}
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if s.srv.Shutdown(ctx) != nil {
			s.srv.Close()
		}
	})
}

// Addr is the listening "ip:port".
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// Port is the listening port.
func (s *Sink) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// CertPool trusts the sink's self-signed certificate (valid for localhost,
// sink.test, *.sink.test, 127.0.0.1 and ::1); nil without Options.TLS.
func (s *Sink) CertPool() *x509.CertPool { return s.tlsCerts }

// Messages returns a copy of the accepted messages in order of acceptance.
func (s *Sink) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Count is how many messages were accepted.
func (s *Sink) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// WaitCount waits until at least n messages were accepted or ctx ends.
func (s *Sink) WaitCount(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, ch := s.count, s.changed
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("testsink: %d of %d messages: %w", got, n, ctx.Err())
		}
	}
}

// Conns is how many connections were accepted in total.
func (s *Sink) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Open is how many connections are open now.
func (s *Sink) Open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.open)
}

// PeakOpen is the most connections that were open at once (a connection
// counts until the sink has seen its client close it).
func (s *Sink) PeakOpen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// ConnsFrom is how many connections came from the client IP ip.
func (s *Sink) ConnsFrom(ip string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connsBy[ip]
}

// MessagesFrom is how many messages were accepted from the client IP ip.
func (s *Sink) MessagesFrom(ip string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.msgsBy[ip]
}

// Stage is how many times stage was reached (accepted or not).
func (s *Sink) Stage(stage string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stages[stage]
}

// Reads counts the reads from client sockets that returned data. A client
// that pipelines MAIL, RCPT and DATA in one write costs one read where a
// lock-step client costs one per command.
func (s *Sink) Reads() int64 { return s.reads.Load() }

func (s *Sink) record(r Received, ip string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count++
	s.msgsBy[ip]++
	if !s.opts.CountOnly {
		s.msgs = append(s.msgs, r)
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

// reach counts a stage and returns its count.
func (s *Sink) reach(stage string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stages[stage]++
	return s.stages[stage]
}

// respond applies the delay and the programmed reply of a stage.
func (s *Sink) respond(stage, arg string) *smtp.SMTPError {
	n := s.reach(stage)
	s.wait(stage)
	if s.opts.Respond == nil {
		return nil
	}
	return s.opts.Respond(stage, arg, n)
}

// respondTo is respond, then RespondClient, for a session of client.
func (s *Sink) respondTo(client, stage, arg string) *smtp.SMTPError {
	if r := s.respond(stage, arg); r != nil || s.opts.RespondClient == nil {
		return r
	}
	return s.opts.RespondClient(client, stage, arg)
}

func (s *Sink) wait(stage string) {
	d, ok := s.opts.Delay[stage]
	if !ok {
		d = s.opts.Delay["*"]
	}
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.done:
	}
}
