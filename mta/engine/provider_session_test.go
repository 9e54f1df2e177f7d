package engine

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
)

// A server that ends a session after too many errors without delivering
// mail (Postfix's smtpd_hard_error_limit, 20 by default, 1 under stress:
// "421 4.7.0 <host> Error: too many errors"; Exim's
// smtp_max_synprot_errors: "too many syntax or protocol errors"). Mail to
// a list with stale addresses reaches it: every unknown user is an error
// of the session. The 421 is about the session, not the message it
// answered: that message goes out at once on a new session, not after
// the retry schedule.
func TestTooManyErrorsEndsTheSessionNotTheMessage(t *testing.T) {
	t.Parallel()
	const n, limit = 12, 3
	var mu sync.Mutex
	errs := 0 // the one session's errors since it last delivered (one connection at a time)
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, arg string, _ int) *smtp.SMTPError {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case stage == testsink.StageConnect:
			errs = 0
		case errs >= limit && (stage == testsink.StageMail || stage == testsink.StageRcpt || stage == testsink.StageData):
			errs = 0
			return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "sink.test Error: too many errors"}
		case stage == testsink.StageRcpt && strings.Contains(arg, "stale"):
			errs++
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
				Message: "<" + arg + ">: Recipient address rejected: User unknown in local recipient table"}
		case stage == testsink.StageData:
			errs = 0
		}
		return nil
	}})
	_, rec, addr := sinkEngine(t, sink, hourSchedule(1, 50))
	stale := 0
	for i := range n {
		to := []string{fmt.Sprintf("r%d@example.test", i)}
		if i%2 == 0 { // a message to three stale addresses, then one to a live one
			to = []string{fmt.Sprintf("stale%d-a@example.test", i), fmt.Sprintf("stale%d-b@example.test", i), fmt.Sprintf("stale%d-c@example.test", i)}
			stale += 3
		}
		send(t, addr, "s@sender.test", to, testBody(i))
	}
	rec.WaitFor(t, events.Delivery, n/2, 30*time.Second)
	rec.WaitFor(t, events.Bounce, stale, 30*time.Second)
	if got := deliveredOnce(t, sink); len(got) != n/2 {
		t.Fatalf("%d recipients delivered, want %d", len(got), n/2)
	}
	for _, r := range rec.All(events.Bounce) {
		if !strings.HasPrefix(r.Recipient, "stale") {
			t.Errorf("%s bounced: %+v", r.Recipient, r.Response)
		}
	}
	for _, r := range rec.All(events.TransientFailure) {
		if wait := r.NextAttempt.Sub(r.Time); wait > time.Minute {
			t.Errorf("%s deferred for %v by %+v: the session's errors sent it to the schedule", r.Recipient, wait.Round(time.Second), r.Response)
		}
	}
	t.Logf("%d deferrals, %d connections", rec.Count(events.TransientFailure), sink.Conns())
}

// A server that greets with a multi-line banner and listens before its
// last line (Postfix's postscreen "pregreet" test, POSTSCREEN_README: it
// sends the first "220-" line, waits postscreen_greet_wait, and counts a
// client that talks before the final "220 " line as a spambot, then
// rejects its mail): wasmta says nothing before the whole greeting, so
// it passes and its mail is delivered. The test stands a proxy of that
// kind in front of the sink, which then gives the final line.
func TestMultiLineGreetingIsWaitedForBeforeEHLO(t *testing.T) {
	t.Parallel()
	const n = 4
	sink := testsink.Start(t, testsink.Options{})
	proxy := startGreetingProxy(t, sink.Addr(), "220-sink.test ESMTP (the rest of the greeting follows)", 300*time.Millisecond)
	_, rec, addr := hostEngine(t, proxy.addr, hourSchedule(1, 20))
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 30*time.Second)
	if p := proxy.early.Load(); p > 0 {
		t.Fatalf("wasmta talked before the end of the greeting on %d of %d connections", p, proxy.conns.Load())
	}
}

// greetingProxy stands in front of an SMTP server: on each connection it
// sends first (a line, or nothing), listens for wait as postscreen does,
// then relays the connection to the server, whose own greeting follows.
// A client that talked during the wait is counted in early and dropped.
type greetingProxy struct {
	addr         string
	conns, early atomic.Int32
}

func startGreetingProxy(t *testing.T, to, first string, wait time.Duration) *greetingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &greetingProxy{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.conns.Add(1)
			go p.serve(c, to, first, wait)
		}
	}()
	return p
}

func (p *greetingProxy) serve(c net.Conn, to, first string, wait time.Duration) {
	defer c.Close()
	if first != "" {
		if _, err := c.Write([]byte(first + "\r\n")); err != nil {
			return
		}
	}
	c.SetReadDeadline(time.Now().Add(wait))
	if n, _ := c.Read(make([]byte, 1)); n > 0 {
		p.early.Add(1)
		return
	}
	c.SetReadDeadline(time.Time{})
	s, err := net.Dial("tcp", to)
	if err != nil {
		return
	}
	defer s.Close()
	done := make(chan struct{}, 2)
	go func() { io.Copy(s, c); done <- struct{}{} }()
	go func() { io.Copy(c, s); done <- struct{}{} }()
	<-done
}
