package delivery

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/policy"
)

func sinkAddr(t testing.TB, s *testsink.Sink) netip.AddrPort {
	t.Helper()
	ap, err := netip.ParseAddrPort(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	return ap
}

func dialSink(t testing.TB, s *testsink.Sink, opts Options) *Session {
	t.Helper()
	if opts.EHLO == "" {
		opts.EHLO = "client.test"
	}
	sess, err := Dial(context.Background(), sinkAddr(t, s), "mx.sink.test", opts)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { sess.Close() })
	return sess
}

func asError(t *testing.T, err error) *Error {
	t.Helper()
	var de *Error
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T), want *delivery.Error", err, err)
	}
	return de
}

func TestSTARTTLSModes(t *testing.T) {
	withTLS := testsink.Start(t, testsink.Options{TLS: true})
	plain := testsink.Start(t, testsink.Options{})
	tests := []struct {
		name    string
		sink    *testsink.Sink
		mode    policy.TLSMode
		host    string
		wantTLS bool
		stage   string // failing stage, "" for success
	}{
		{"opportunistic offered", withTLS, policy.TLSOpportunistic, "mx.sink.test", true, ""},
		{"opportunistic not offered", plain, policy.TLSOpportunistic, "mx.sink.test", false, ""},
		{"required offered, any certificate", withTLS, policy.TLSRequired, "wrong.example", true, ""},
		{"required not offered", plain, policy.TLSRequired, "mx.sink.test", false, StageSTARTTLS},
		{"verify good name", withTLS, policy.TLSRequiredVerify, "mx.sink.test", true, ""},
		{"verify wrong name", withTLS, policy.TLSRequiredVerify, "wrong.example", false, StageTLS},
		{"verify not offered", plain, policy.TLSRequiredVerify, "mx.sink.test", false, StageSTARTTLS},
		{"disabled", withTLS, policy.TLSDisabled, "mx.sink.test", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{TLS: tt.mode, TLSConfig: &tls.Config{RootCAs: withTLS.CertPool()}}
			s, err := Dial(context.Background(), sinkAddr(t, tt.sink), tt.host, opts)
			if tt.stage != "" {
				if de := asError(t, err); de.Stage != tt.stage || !de.Temporary {
					t.Fatalf("error %v: stage %q temporary %v, want stage %q temporary", err, de.Stage, de.Temporary, tt.stage)
				}
				return
			}
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			defer s.Close()
			if _, ok := s.TLSState(); ok != tt.wantTLS {
				t.Errorf("TLS %v, want %v", ok, tt.wantTLS)
			}
			res, err := s.Deliver(context.Background(), "a@src.test", []string{"b@dst.test"}, []byte("x\r\n"))
			if err != nil || res.Response.Code != 250 {
				t.Fatalf("Deliver after TLS setup: %+v, %v", res, err)
			}
			if _, offered := s.Extensions()["STARTTLS"]; offered && tt.wantTLS {
				t.Errorf("STARTTLS still offered after TLS: the client did not greet again")
			}
		})
	}
}

func TestOpportunisticFallsBackToClear(t *testing.T) {
	rs := startRaw(t, func(n int, c *rawConn) {
		sc := &smtpScript{ehlo: []string{"PIPELINING", "STARTTLS"}, reply: func(cmd string) string {
			if cmd == "STARTTLS" {
				c.send("220 2.0.0 go ahead\r\n")
				c.Close() // no handshake ever
			}
			return ""
		}}
		sc.serve(c)
	})
	s, err := Dial(context.Background(), rs.addr(), "raw.test", Options{TLS: policy.TLSOpportunistic, CommandTimeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer s.Close()
	if _, ok := s.TLSState(); ok || rs.conns.Load() != 2 {
		t.Errorf("TLS %v after %d connections, want clear text on the second", ok, rs.conns.Load())
	}
	_, err = Dial(context.Background(), rs.addr(), "raw.test", Options{TLS: policy.TLSRequired, CommandTimeout: 2 * time.Second})
	if de := asError(t, err); de.Stage != StageTLS {
		t.Errorf("required mode after a failed handshake: %v", err)
	}
}

func TestSTARTTLSInjectionRefused(t *testing.T) {
	rs := startRaw(t, func(n int, c *rawConn) {
		sc := &smtpScript{ehlo: []string{"STARTTLS"}, reply: func(cmd string) string {
			if cmd == "STARTTLS" {
				return "220 2.0.0 go ahead\r\n250 2.0.0 injected\r\n"
			}
			return ""
		}}
		sc.serve(c)
	})
	_, err := Dial(context.Background(), rs.addr(), "raw.test", Options{TLS: policy.TLSOpportunistic})
	if de := asError(t, err); de.Stage != StageSTARTTLS || !errors.Is(err, ErrProtocol) {
		t.Errorf("error %v, want a protocol error at STARTTLS", err)
	}
}

func TestDialFailures(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().(*net.TCPAddr).AddrPort()
	ln.Close()
	_, err := Dial(context.Background(), closed, "gone.test", Options{})
	if de := asError(t, err); de.Stage != StageConnect || !de.Temporary {
		t.Errorf("closed port: %v", err)
	}

	refuse := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		if stage == testsink.StageConnect {
			return &smtp.SMTPError{Code: 554, Message: "no service for you"}
		}
		return nil
	}})
	_, err = Dial(context.Background(), sinkAddr(t, refuse), "mx.sink.test", Options{})
	if de := asError(t, err); de.Stage != StageBanner || de.Temporary || de.Response.Code != 554 {
		t.Errorf("554 banner: %v", err)
	}

	stall := testsink.Start(t, testsink.Options{Delay: map[string]time.Duration{testsink.StageBanner: time.Hour}})
	start := time.Now()
	_, err = Dial(context.Background(), sinkAddr(t, stall), "mx.sink.test", Options{CommandTimeout: 200 * time.Millisecond})
	var ne net.Error
	if de := asError(t, err); de.Stage != StageBanner || !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("stalled banner: %v", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("banner timeout of 200ms fired after %v", el)
	}
}

func TestEHLORefusedFallsBackToHELO(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, n int) *smtp.SMTPError {
		if stage == testsink.StageHelo && n == 1 {
			return &smtp.SMTPError{Code: 550, Message: "no EHLO here"}
		}
		return nil
	}})
	s := dialSink(t, sink, Options{})
	if len(s.Extensions()) != 0 {
		t.Errorf("extensions after HELO: %v", s.Extensions())
	}
	res, err := s.Deliver(context.Background(), "a@src.test", []string{"b@dst.test"}, []byte(".dot\r\n"))
	if err != nil || res.Response.Code != 250 {
		t.Fatalf("Deliver over HELO: %+v %v", res, err)
	}
	if got := string(sink.Messages()[0].Data); got != ".dot\r\n" {
		t.Errorf("data %q", got)
	}
}

func TestAuthPlain(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{Auth: map[string]string{"relay": "s3cret"}})
	s := dialSink(t, sink, Options{Auth: &Auth{Username: "relay", Password: "s3cret"}})
	if _, err := s.Deliver(context.Background(), "a@src.test", []string{"b@dst.test"}, []byte("x\r\n")); err != nil {
		t.Fatal(err)
	}
	if u := sink.Messages()[0].AuthUser; u != "relay" {
		t.Errorf("sink saw auth user %q", u)
	}
	_, err := Dial(context.Background(), sinkAddr(t, sink), "mx.sink.test", Options{Auth: &Auth{Username: "relay", Password: "nope"}})
	if de := asError(t, err); de.Stage != StageAuth || de.Response.Code != 535 || de.Temporary {
		t.Errorf("bad password: %v", err)
	}
	plain := testsink.Start(t, testsink.Options{})
	_, err = Dial(context.Background(), sinkAddr(t, plain), "mx.sink.test", Options{Auth: &Auth{Username: "u", Password: "p"}})
	if !errors.Is(err, ErrAuthNoPlain) {
		t.Errorf("server without AUTH: %v", err)
	}
}

func TestBindSourceAddress(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{})
	src := netip.MustParseAddr("127.0.0.2")
	s := dialSink(t, sink, Options{LocalAddr: src})
	if s.LocalAddr().Addr() != src {
		t.Errorf("LocalAddr %v", s.LocalAddr())
	}
	if _, err := s.Deliver(context.Background(), "a@src.test", []string{"b@dst.test"}, []byte("x\r\n")); err != nil {
		t.Fatal(err)
	}
	if sink.ConnsFrom("127.0.0.2") != 1 || sink.MessagesFrom("127.0.0.2") != 1 ||
		!strings.HasPrefix(sink.Messages()[0].RemoteAddr, "127.0.0.2:") {
		t.Errorf("sink saw %d connections and %d messages from 127.0.0.2 (%s)",
			sink.ConnsFrom("127.0.0.2"), sink.MessagesFrom("127.0.0.2"), sink.Messages()[0].RemoteAddr)
	}
}

// A server that refuses the session at its greeting and keeps the
// connection open (RFC 5321 3.1) gets QUIT and nothing else (4.1.1.10).
// When the caller cancels while the client waits for QUIT's reply, the
// client closes the connection then, as dial's watch of the context does
// for every other wait, not when the wait's 5 s cap runs out: the server
// sees the close within 4 s of reading QUIT (a wait the cancellation did
// not end would hold the connection 5 s). Until 2026-12 the wait ran
// outside the watch.
func TestRefusedGreetingQuitEndsOnCancel(t *testing.T) {
	quit, closed := make(chan string, 1), make(chan error, 1)
	rs := startRaw(t, func(_ int, c *rawConn) {
		c.send("554 5.3.2 mx.nosmtp.test No SMTP service here\r\n")
		l, err := c.line()
		quit <- l
		if err != nil {
			closed <- err
			return
		}
		c.SetReadDeadline(time.Now().Add(4 * time.Second)) // no reply to QUIT
		_, err = c.line()
		closed <- err
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := Dial(ctx, rs.addr(), "mx.nosmtp.test", Options{CommandTimeout: time.Minute})
		done <- err
	}()
	if l := <-quit; l != "QUIT" {
		t.Fatalf("after a 554 greeting the client sent %q, want QUIT", l)
	}
	cancel()
	if err := <-closed; !errors.Is(err, io.EOF) {
		t.Errorf("the server's read after QUIT ended with %v, want the client's close (EOF) on cancel", err)
	}
	if de := asError(t, <-done); de.Stage != StageBanner || de.Response.Code != 554 {
		t.Errorf("Dial: %v, want the 554 greeting's refusal", de)
	}
}

// When the client itself stops after a greeting the server completed
// (STARTTLS required but not offered, AUTH PLAIN not offered), the
// server waits for its next command: the client says QUIT (RFC 5321
// 4.1.1.10) and nothing else, and Dial reports its own reason. Until
// 2026-12 it closed such a connection without a word.
func TestClientsOwnRefusalOfTheSessionSaysQuit(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want error
	}{
		{"STARTTLS required, not offered", Options{TLS: policy.TLSRequired}, ErrTLSRequired},
		{"AUTH PLAIN not offered", Options{Auth: &Auth{Username: "u", Password: "p"}}, ErrAuthNoPlain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after := make(chan string, 1)
			rs := startRaw(t, func(_ int, c *rawConn) {
				c.send("220 mx.raw.test ESMTP\r\n")
				if l, err := c.line(); err != nil || !strings.HasPrefix(l, "EHLO ") {
					after <- "greeting: " + l
					return
				}
				c.send("250-mx.raw.test\r\n250-PIPELINING\r\n250 AUTH LOGIN\r\n")
				l, err := c.line()
				if err != nil {
					l = "closed: " + err.Error()
				}
				after <- l
				if l == "QUIT" {
					c.send("221 2.0.0 Bye\r\n")
				}
			})
			tc.opts.CommandTimeout = 5 * time.Second
			_, err := Dial(context.Background(), rs.addr(), "mx.raw.test", tc.opts)
			if de := asError(t, err); !errors.Is(de.Err, tc.want) {
				t.Errorf("Dial: %v, want %v", err, tc.want)
			}
			if l := <-after; l != "QUIT" {
				t.Errorf("after the EHLO reply the client sent %q, want QUIT", l)
			}
		})
	}
}

// pastDeadline waits until the session's connection has a deadline in the
// past, as the watch of a cancelled context sets it: a write of nothing
// fails then, before any system call, with os.ErrDeadlineExceeded.
func pastDeadline(t *testing.T, s *Session) {
	t.Helper()
	for range 10000 { // 10 s at most
		if _, err := s.raw.Write(nil); errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("the watch of the cancelled context never moved the deadline")
}

// dialCancelling dials addr with a trace that, at the first chunk when
// says so, cancels the returned context and waits for the watch's past
// deadline: the cancellation lands exactly between two of the session's
// steps. The session closes with the test.
func dialCancelling(t *testing.T, addr netip.AddrPort, opts Options, when func(sent bool, data []byte) bool) (*Session, context.Context) {
	t.Helper()
	c, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var s *Session
	opts.EHLO = "client.test"
	opts.Trace = func(sent bool, data []byte) {
		if c.Err() == nil && when(sent, data) {
			cancel()
			pastDeadline(t, s)
		}
	}
	s, err := Dial(context.Background(), addr, "mx.raw.test", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, c
}

// A cancellation that lands between two steps of a transaction (here
// after MAIL's reply was read, before RCPT is sent) ends the transaction
// at its next step with the context's error: RCPT is never sent, so the
// client does not wait on a silent server. The watch's deadline in the
// past is set before the next step sets its own (pastDeadline waits for
// it); until 2026-12 that next deadline replaced it, RCPT went out and the
// client waited for its reply the full command timeout. The server here
// never answers RCPT until Deliver has returned.
func TestCancelBetweenStepsIsNotUndone(t *testing.T) {
	returned := make(chan struct{})
	var seen []string
	var mu sync.Mutex
	sc := &smtpScript{
		check: func(cmd string, _ int) { mu.Lock(); seen = append(seen, strings.Fields(cmd)[0]); mu.Unlock() },
		reply: func(cmd string) string {
			switch {
			case strings.HasPrefix(cmd, "MAIL"):
				return "250 2.1.0 sender ok\r\n"
			case strings.HasPrefix(cmd, "RCPT"):
				<-returned // silent while the client could wait
			}
			return ""
		},
	}
	rs := startRaw(t, func(_ int, c *rawConn) { sc.serve(c) })
	s, c := dialCancelling(t, rs.addr(), Options{CommandTimeout: 5 * time.Second}, func(sent bool, data []byte) bool {
		return !sent && strings.Contains(string(data), "sender ok")
	})
	_, err := s.Deliver(c, "a@src.test", []string{"b@dst.test"}, []byte("x\r\n"))
	close(returned)
	de := asError(t, err)
	if !errors.Is(err, context.Canceled) || de.Stage != StageRcpt || de.MaybeDelivered {
		t.Errorf("Deliver: %+v, want the cancellation at the RCPT step, not delivered", de)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(seen, " "); got != "EHLO MAIL" {
		t.Errorf("the server read %q, want EHLO MAIL: a command left after the cancellation", got)
	}
}

// A cancellation that lands after a transaction's last reply leaves the
// transaction's outcome as read, and the next transaction, under its own
// context, runs with fresh deadlines: the watch's past deadline ends with
// the watch.
func TestCancelAfterLastReplyLeavesSessionUsable(t *testing.T) {
	sc := &smtpScript{data: make(chan string, 2)}
	rs := startRaw(t, func(_ int, c *rawConn) { sc.serve(c) })
	bodySent, cancelled := false, false
	s, c := dialCancelling(t, rs.addr(), Options{NoChunking: true}, func(sent bool, data []byte) bool {
		if sent {
			bodySent = strings.HasSuffix(string(data), "\r\n.\r\n")
			return false
		}
		cancelled = bodySent // the reply to the body, the transaction's last
		return cancelled
	})
	if res, err := s.Deliver(c, "a@src.test", []string{"b@dst.test"}, []byte("one\r\n")); err != nil || res.Response.Code != 250 || !cancelled {
		t.Fatalf("first Deliver: %+v %v (cancelled after its last reply: %v)", res, err, cancelled)
	}
	if res, err := s.Deliver(context.Background(), "a@src.test", []string{"b@dst.test"}, []byte("two\r\n")); err != nil || res.Response.Code != 250 {
		t.Fatalf("second Deliver after the first one's context ended: %+v %v", res, err)
	}
	if one, two := <-sc.data, <-sc.data; one != "one\r\n" || two != "two\r\n" {
		t.Errorf("server received %q and %q", one, two)
	}
}
