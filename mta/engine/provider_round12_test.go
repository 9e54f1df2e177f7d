package engine

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

// Provider behaviours, round 12 of issue 11's audit, against real SMTP
// servers on loopback: the providers' throttles and blocks as their
// postmaster pages word them, a refused greeting, a slow greeting.

// refusingServer is a hand-written SMTP server for refusals testsink
// cannot give (it closes a refused connection at once): greeting is its
// first reply; helo, when not "", answers EHLO and HELO. A command other
// than QUIT after a refusal gets "503 5.5.1 Bad sequence of commands",
// as RFC 5321 3.1 has a server that greeted with 554 answer anything but
// QUIT. It counts connections, QUITs and the other commands.
type refusingServer struct {
	addr                 string
	conns, quits, others atomic.Int32
}

func startRefusingServer(t *testing.T, greeting, helo string) *refusingServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &refusingServer{addr: ln.Addr().String()}
	serve := func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		say := func(l string) { c.Write([]byte(l + "\r\n")) }
		say(greeting)
		r := bufio.NewReader(c)
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return
			}
			verb := strings.ToUpper(strings.TrimSpace(l))
			switch {
			case verb == "QUIT":
				s.quits.Add(1)
				say("221 2.0.0 Bye")
				return
			case helo != "" && (strings.HasPrefix(verb, "EHLO") || strings.HasPrefix(verb, "HELO")):
				say(helo)
			default:
				s.others.Add(1)
				say("503 5.5.1 Bad sequence of commands")
			}
		}
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			go serve(c)
		}
	}()
	return s
}

// A server that refuses the session with a reply and keeps the connection
// open: "554 No SMTP service here" at the greeting (RFC 5321 3.1: the
// server then waits for QUIT and answers anything else with 503), or a
// 550 to EHLO and to HELO. The client says QUIT (RFC 5321 4.1.1.10: it
// MUST NOT close the channel before), sends nothing else after a refused
// greeting, and defers the mail (a refused connection, not a verdict on
// the message). Until 2026-12 wasmta closed such a connection without a
// word (0 QUITs on 3 connections), which the server logs as a lost
// connection.
func TestRefusedGreetingIsAnsweredWithQuit(t *testing.T) {
	for _, c := range []struct {
		name, greeting, helo string
		others               int32 // commands before QUIT
	}{
		{"554 greeting", "554 5.3.2 mx.nosmtp.test No SMTP service here", "", 0},
		{"550 to EHLO and HELO", "220 mx.nosmtp.test ESMTP", "550 5.7.1 Access denied", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := startRefusingServer(t, c.greeting, c.helo)
			reg := &swapRegistry{}
			reg.p.Store(&scriptedPolicy{version: "v1", shape: hourSchedule(1, 20)})
			_, rec, addr := testEngine(t, fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%q]\n[queue]\nretry_jitter = 0.0\n", srv.addr),
				Options{Registry: reg})
			sendN(t, addr, 2)
			failedEach(t, rec, 2, 20*time.Second)
			if b := rec.Count(events.Bounce); b > 0 {
				t.Errorf("%d bounced: a refused session was taken for a verdict on the messages", b)
			}
			conns, quits := srv.conns.Load(), srv.quits.Load()
			if conns == 0 || quits != conns {
				t.Errorf("%d QUITs on %d connections, want one on each", quits, conns)
			}
			if o := srv.others.Load(); o != c.others {
				t.Errorf("%d commands other than QUIT after the refusal, want %d", o, c.others)
			}
		})
	}
}

// The throttles of large providers as their postmaster pages word them,
// each from a limiter of 8 transactions a second in front of a path preset
// at 32: every one is a signal to the path (its rate is cut) and its
// message is retried soon at the path's pace, not after the hour of the
// schedule, nor bounced. Gmail's 421 4.7.28 names the client's IP here
// (the path's source: the path is its scope); Exchange Online's 451 4.7.500-699 come in two wordings (the classifier
// reads "Server busy" as RateLimited, "Access denied, please try again
// later" as ReputationBlock, a temporary one).
func TestProviderThrottlesCutThePathAndRetrySoon(t *testing.T) {
	for _, c := range []struct {
		name, stage string
		refusal     smtp.SMTPError
		category    string
	}{
		{"gmail 421 4.7.28 from your IP address", testsink.StageData, smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 28},
			Message: "Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our " +
				"users from spam, mail sent from your IP address has been temporarily rate limited. Please visit " +
				"https://support.google.com/mail/?p=UnsolicitedRateLimitError to review our Bulk Email Senders Guidelines. - gsmtp"},
			policy.CategoryRateLimited},
		{"microsoft 451 4.7.500 server busy", testsink.StageMail, smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 500},
			Message: "Server busy. Please try again later from [192.0.2.1]. (S77719) [BN8NAM11FT066.eop-nam11.prod.protection.outlook.com]"},
			policy.CategoryRateLimited},
		{"microsoft 451 4.7.500 access denied, try again later", testsink.StageRcpt, smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 500},
			Message: "Access denied, please try again later. For more information please go to https://go.microsoft.com/fwlink/?LinkId=526653"},
			policy.CategoryReputationBlock},
	} {
		t.Run(c.name, func(t *testing.T) {
			const n, limit = 30, 8.0
			sink := testsink.Start(t, testsink.Options{Respond: limiter(limit, c.stage, &c.refusal)})
			e, rec, addr := sinkEngine(t, sink, hourSchedule(3, 4*limit))
			sendN(t, addr, n)
			rec.WaitFor(t, events.Delivery, n, 40*time.Second)
			if got := deliveredOnce(t, sink); len(got) != n {
				t.Fatalf("%d recipients delivered, want %d", len(got), n)
			}
			if b := rec.Count(events.Bounce); b > 0 {
				t.Fatalf("%d bounced: a throttle was taken for a verdict", b)
			}
			deferred := rec.All(events.TransientFailure)
			if len(deferred) == 0 {
				t.Fatal("nothing deferred: the limiter never refused")
			}
			for _, r := range deferred {
				if r.Category != c.category {
					t.Errorf("deferred as %s, want %s", r.Category, c.category)
				}
				if wait := r.NextAttempt.Sub(r.Time); wait > time.Minute {
					t.Errorf("retried in %v, want soon at the path's pace", wait.Round(time.Second))
				}
			}
			l := learnedOf(t, e)
			t.Logf("%d deferred; learned %+v", len(deferred), l)
			if l.LearnedRate > 2*limit {
				t.Errorf("learned rate %.1f msg/s against a limit of %.0f: the throttles did not cut it", l.LearnedRate, limit)
			}
		})
	}
}
