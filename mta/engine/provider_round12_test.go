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

	"github.com/wasmta/wasmta/internal/testrec"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

// Provider behaviours, round 12 of issue 11's audit, against real SMTP
// servers on loopback: the providers' throttles and blocks as their
// postmaster pages word them, a refused greeting, a slow greeting.

// hostEngine starts an engine routing every domain to the SMTP server at
// host (ip:port), shaped by shape, with no jitter in its retries.
func hostEngine(t *testing.T, host string, shape policy.Shape) (*Engine, *testrec.Recorder, string) {
	t.Helper()
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: shape})
	return testEngine(t, fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%q]\n[queue]\nretry_jitter = 0.0\n", host)+fastThrottleRetry, Options{Registry: reg})
}

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
			_, rec, addr := hostEngine(t, srv.addr, hourSchedule(1, 20))
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

// gmailDomainRate is Gmail's 421 4.7.28 when the unusual rate of
// unsolicited mail is counted for the sender's authenticated domain, not
// the client's IP (Gmail words it for the SPF domain, the DKIM domain and
// the domains of the URLs in the mail too).
const gmailDomainRate = "Gmail has detected an unusual rate of unsolicited mail originating from your DKIM domain [acme.test 30]. " +
	"To protect our users from spam, mail sent from your domain has been temporarily rate limited. Please visit " +
	"https://support.google.com/mail/?p=UnsolicitedRateLimitError to review our Bulk Email Senders Guidelines. - gsmtp"

// Two tenants share one path (one source IP to one site); the site limits
// one tenant's domain (Gmail's 421 4.7.28 "... originating from your DKIM
// domain ... mail sent from your domain has been temporarily rate
// limited") and takes the other's mail. A policy that reads the reply as
// the tenant's and asks for traffic control scoped to the tenant
// (classify scope "tenant": its mail to this site is suspended a moment)
// has said whose limit it is: the path's rate, which the other tenant
// shares, is not cut. The refused mail is still retried soon, and the
// other tenant's mail is never deferred.
func TestTenantScopedThrottleDoesNotCutThePath(t *testing.T) {
	const n = 20
	sink := testsink.Start(t, testsink.Options{Respond: func() func(string, string, int) *smtp.SMTPError {
		acme := newBucket(4, testsink.StageData, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 28}, Message: gmailDomainRate})
		return func(stage, arg string, k int) *smtp.SMTPError {
			if stage == testsink.StageData && strings.Contains(arg, "@acme.test") {
				return acme.respond(stage, arg, k)
			}
			return nil
		}
	}()})
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: hourSchedule(2, 20), classify: policy.Classification{
		Category: policy.CategoryRateLimited, Action: policy.ActionRetry,
		Scope: policy.ScopeTenant, Suspend: true, Duration: time.Second}})
	tenants := "[[tenant]]\nname = \"acme\"\n" + smtpUser(t, "acme", "pw") + "[[tenant]]\nname = \"beta\"\n" + smtpUser(t, "beta", "pw")
	e, rec, addr := testEngine(t, routeTo(sink)+"[queue]\nretry_jitter = 0.0\n"+fastThrottleRetry+tenants, Options{Registry: reg})
	for i := range n {
		for _, tn := range []string{"acme", "beta"} {
			body := fmt.Sprintf("From: a@%s.test\r\nTo: b@example.test\r\nSubject: %d\r\n\r\nhello %d\r\n", tn, i, i)
			if err := sendAs(t, addr, tn, []string{fmt.Sprintf("%s%d@example.test", tn, i)}, body); err != nil {
				t.Fatal(err)
			}
		}
	}
	rec.WaitFor(t, events.Delivery, 2*n, 40*time.Second)
	if got := deliveredOnce(t, sink); len(got) != 2*n {
		t.Fatalf("%d recipients delivered, want %d", len(got), 2*n)
	}
	deferred := rec.All(events.TransientFailure)
	if len(deferred) == 0 {
		t.Fatal("nothing deferred: the tenant's limit never refused")
	}
	for _, r := range deferred {
		if r.Tenant != "acme" {
			t.Errorf("%s's mail deferred: %+v", r.Tenant, r.Response)
		}
		if wait := r.NextAttempt.Sub(r.Time); wait > time.Minute {
			t.Errorf("retried in %v, want soon", wait.Round(time.Second))
		}
	}
	if len(rec.All(events.Suspension)) == 0 {
		t.Error("no suspension recorded: the policy's tenant-scoped action was not taken")
	}
	l := learnedOf(t, e)
	t.Logf("%d deferred; learned %+v", len(deferred), l)
	if l.LearnedRate < l.ConfiguredRate {
		t.Errorf("learned rate %.1f below the preset %.1f: one tenant's limit cut the path both tenants share", l.LearnedRate, l.ConfiguredRate)
	}
}

// bannedIP is Exchange Online's refusal of a source on its own block list
// (5.7.606-5.7.649, "Access denied, banned sending IP"), and block is
// Outlook.com's S3150 ("part of their network is on our block list").
var (
	bannedIP = smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 606},
		Message: "Access denied, banned sending IP [127.0.0.1]. To request removal from this list please visit https://sender.office.com/ and follow the directions."}
	blockList = smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
		Message: "Unfortunately, messages from [127.0.0.1] weren't sent. Please contact your Internet service provider since part of their " +
			"network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors."}
)

// A provider that refuses the source's IP for good at RCPT (Exchange
// Online's 550 5.7.606 banned sending IP, Outlook.com's 550 5.7.1 S3150
// block list), read by the built-in classifier alone (no policy): each
// message is bounced once with the provider's own reply (a 5xx is
// permanent, RFC 5321 4.2.1, as Postfix reads it), not retried, and the
// recipient is not suppressed: the block is the sender's IP's, not the
// address's.
func TestBannedSourceBouncesWithoutSuppressingTheAddress(t *testing.T) {
	for _, refusal := range []smtp.SMTPError{bannedIP, blockList} {
		enh := fmt.Sprintf("%d.%d.%d", refusal.EnhancedCode[0], refusal.EnhancedCode[1], refusal.EnhancedCode[2])
		t.Run(enh, func(t *testing.T) {
			const n = 4
			sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
				if stage == testsink.StageRcpt {
					return &refusal
				}
				return nil
			}})
			_, rec, addr := sinkEngine(t, sink, hourSchedule(1, 20))
			sendN(t, addr, n)
			failedEach(t, rec, n, 20*time.Second)
			if d := rec.Count(events.TransientFailure); d > 0 {
				t.Errorf("%d deferred: a 5xx block of the source was retried", d)
			}
			for _, r := range rec.All(events.Bounce) {
				if r.Response.Code != refusal.Code || r.Response.Enhanced != enh || r.Category != policy.CategorySpamBlock {
					t.Errorf("bounced as %s with %+v, want SpamBlock with the provider's own %d %s", r.Category, r.Response, refusal.Code, enh)
				}
			}
			if s := rec.Count(events.SuppressionAdded); s > 0 {
				t.Errorf("%d recipients suppressed for a block of the source's IP", s)
			}
		})
	}
}

// The same ban of one source of a pool of two, classified as the shipped
// classifier does (policies/go/classifier: retry, and suspend the path for
// 4 hours at the first such reply), for Exchange Online's 550 5.7.606 at
// RCPT and for Yahoo's "421 4.7.0 [TSS09] All messages from [IP] will be
// permanently deferred; Retrying will NOT succeed" at MAIL: the banned
// source's path stops at its first refusal, and its share of the mail
// waits for the suspension's end (egress.Pool.Pick keeps a suspended
// source's share rather than move it to another source behind the
// provider's back), held, not bounced and not retried at the banned IP;
// the other source delivers its own share.
func TestBannedSourceOfAPoolStopsAtTheFirstRefusal(t *testing.T) {
	for _, c := range []struct {
		name, stage, category string
		refusal               *smtp.SMTPError
	}{
		{"microsoft 550 5.7.606", testsink.StageRcpt, policy.CategorySpamBlock, &bannedIP},
		{"yahoo 421 [TSS09]", testsink.StageMail, policy.CategoryReputationBlock, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
			Message: "[TSS09] All messages from 127.0.0.1 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes"}},
	} {
		t.Run(c.name, func(t *testing.T) { bannedSourceOfAPool(t, c.stage, c.category, c.refusal) })
	}
}

func bannedSourceOfAPool(t *testing.T, stage, category string, refusal *smtp.SMTPError) {
	const n = 12
	var refused atomic.Int32
	sink := testsink.Start(t, testsink.Options{RespondClient: func(client, st, _ string) *smtp.SMTPError {
		if st != stage || client != "127.0.0.1" {
			return nil
		}
		refused.Add(1)
		return refusal
	}})
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: hourSchedule(2, 20), classify: policy.Classification{
		Category: category, Action: policy.ActionRetry,
		Scope: policy.ScopePath, Suspend: true, Duration: 4 * time.Hour}})
	pool := "[[source]]\nname = \"lo1\"\naddress = \"127.0.0.1\"\n" +
		"[[source]]\nname = \"lo2\"\naddress = \"127.0.0.2\"\n" +
		"[[pool]]\nname = \"default\"\nsources = [{ name = \"lo1\" }, { name = \"lo2\" }]\n"
	_, rec, addr := testEngine(t, routeTo(sink)+pool+"[queue]\nretry_jitter = 0.0\n"+fastThrottleRetry, Options{Registry: reg})
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n/2, 30*time.Second)
	time.Sleep(4 * fastThrottleRetryAfter) // past the banned source's paced retries (fastThrottleRetry, doubling): the suspension holds it
	for _, r := range rec.All(events.Delivery) {
		if r.Source != "lo2" {
			t.Errorf("delivered from %s", r.Source)
		}
	}
	if b := rec.Count(events.Bounce) + rec.Count(events.Expiration); b > 0 {
		t.Errorf("%d bounced: a suspended source's mail is held", b)
	}
	if r := refused.Load(); r > 2 {
		t.Errorf("%d refusals of the banned source: its path was not stopped at the first", r)
	}
	var suspended bool
	for _, r := range rec.All(events.Suspension) {
		suspended = suspended || strings.Contains(r.Target, "source=lo1")
	}
	if !suspended {
		t.Error("no suspension of the banned source's path recorded")
	}
	t.Logf("%d refusals of the banned source, %d deferrals, %d delivered", refused.Load(), rec.Count(events.TransientFailure), rec.Count(events.Delivery))
}

// A server that waits before its greeting (a tarpit at the banner, as
// Postfix's postscreen and many filters do; RFC 5321 4.5.3.2.1 gives the
// client 5 minutes for the 220): wasmta says nothing until the greeting
// comes (a client that talks first is taken for a spambot), waits for
// it under its command timeout (5 minutes by default), delivers, and
// reads no signal into the wait: no deferral, no connection cut. The
// test's proxy listens 2 s in silence, counting any byte the client
// sends, then relays to the sink, whose greeting follows; the 10-30 s of
// real tarpits are the same wait, longer than a test should take.
func TestSlowGreetingIsWaitedForInSilence(t *testing.T) {
	const n = 6
	sink := testsink.Start(t, testsink.Options{})
	proxy := startGreetingProxy(t, sink.Addr(), "", 2*time.Second)
	e, rec, addr := hostEngine(t, proxy.addr, hourSchedule(2, 20))
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 30*time.Second)
	if p := proxy.early.Load(); p > 0 {
		t.Errorf("wasmta talked before the greeting on %d of %d connections", p, proxy.conns.Load())
	}
	if d := rec.Count(events.TransientFailure); d > 0 {
		t.Errorf("%d deferrals: a slow greeting was given up on", d)
	}
	if l := learnedOf(t, e); l.LearnedConnections < l.ConfiguredConnections || l.LearnedRate < l.ConfiguredRate {
		t.Errorf("learned %+v: a slow greeting was read as a signal", l)
	}
}

// Yahoo's "554 5.7.9 Message not accepted for policy reasons" to the
// data of a message to three recipients (the provider's content or
// policy verdict, senders.yahooinc.com's error codes): one reply for the
// transaction, so every recipient is bounced with it, once, category
// PolicyRelated; none retried, none suppressed (it says nothing against
// the addresses).
func TestPolicyRefusalOfTheDataBouncesEveryRecipientOnce(t *testing.T) {
	const n = 3
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		if stage == testsink.StageData {
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 9},
				Message: "Message not accepted for policy reasons.  See https://postmaster.yahooinc.com/error-codes"}
		}
		return nil
	}})
	e, rec, addr := sinkEngine(t, sink, hourSchedule(1, 20))
	send(t, addr, "s@sender.test", []string{"a@example.test", "b@example.test", "c@example.test"}, testBody(0))
	rec.WaitFor(t, events.Bounce, n, 20*time.Second)
	waitSpoolEmpty(t, e)
	seen := map[string]int{}
	for _, r := range rec.All(events.Bounce) {
		seen[r.Recipient]++
		if r.Response.Code != 554 || r.Response.Enhanced != "5.7.9" || r.Category != policy.CategoryPolicyRelated {
			t.Errorf("%s bounced as %s with %+v, want PolicyRelated with the 554 5.7.9", r.Recipient, r.Category, r.Response)
		}
	}
	if len(seen) != n || rec.Count(events.Bounce) != n {
		t.Errorf("bounce records by recipient %v, want each of the %d recipients once", seen, n)
	}
	if d := rec.Count(events.TransientFailure); d > 0 {
		t.Errorf("%d deferred", d)
	}
	if s := rec.Count(events.SuppressionAdded); s > 0 {
		t.Errorf("%d recipients suppressed for a policy refusal of the message", s)
	}
	if c := sink.Conns(); c != 1 {
		t.Errorf("%d connections, want 1 (one transaction)", c)
	}
}

// Gmail's "421 4.7.0 TLS required for RCPT domain, closing connection"
// (Google's SMTP error reference: a recipient domain whose admin requires
// TLS) to a RCPT of a session in clear, here because the server's TLS
// handshake fails and opportunistic TLS went on in clear: the session's
// end, classified TLSFailure, a deferral on the path's schedule (as the
// 530 of TestStartTLSRequiredOnAClearSessionDefers), never a bounce; the
// mail is delivered once the destination takes it.
func TestTLSRequired421OnAClearSessionDefers(t *testing.T) {
	const n = 3
	var requireTLS atomic.Bool
	requireTLS.Store(true)
	srv, accepted := scriptedServer(t, []string{"250-STARTTLS"}, func(_ int, verb string) (string, bool) {
		switch {
		case verb == "STARTTLS":
			return "220 2.0.0 Ready to start TLS", true // the handshake fails
		case strings.HasPrefix(verb, "RCPT") && requireTLS.Load():
			return "421-4.7.0 TLS required for RCPT domain, closing connection.\r\n421 4.7.0 For more information, go to https://support.google.com/a/answer/2520500 - gsmtp", true
		}
		return "", false
	})
	shape := hourSchedule(2, 20)
	shape.RetryInitial, shape.RetryMax = time.Second, 2*time.Second
	_, rec, addr := hostEngine(t, srv, shape)
	sendN(t, addr, n)
	failedEach(t, rec, n, 10*time.Second)
	if b := rec.Count(events.Bounce); b > 0 {
		t.Fatalf("%d of %d bounced: a session without TLS was taken for a verdict on the messages", b, n)
	}
	for _, r := range rec.All(events.TransientFailure) {
		if r.Category != policy.CategoryTLSFailure || r.Response.Code != 421 || r.Response.Enhanced != "4.7.0" {
			t.Errorf("deferred as %s with %+v, want TLSFailure with the 421 4.7.0", r.Category, r.Response)
		}
	}
	requireTLS.Store(false)
	rec.WaitFor(t, events.Delivery, n, 10*time.Second)
	if got := accepted.Load(); got != n {
		t.Errorf("the server accepted %d messages, want %d", got, n)
	}
}
