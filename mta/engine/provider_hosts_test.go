package engine

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/internal/testrec"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

// synDropper listens on loopback with an accept queue of one and fills
// it, so that the kernel drops every further SYN: a host that never
// answers a connection (a blackholed MX), whose dials end at the connect
// timeout.
func synDropper(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	for range 2 { // the queue takes one (or two, by kernel): fill it
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			break
		}
		t.Cleanup(func() { c.Close() })
	}
	if c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond); err == nil {
		c.Close()
		t.Skip("the kernel completed a connection past a full accept queue: no SYN is dropped here")
	}
	return addr
}

// An MX set whose first host is dead and whose second works: the first
// drops every SYN (a blackholed address: each dial ends at the connect
// timeout) or accepts and never greets (each dial ends at the greeting's
// timeout). Every session of the path dials the hosts in order, so each
// one waited the whole timeout on the dead host before reaching the
// working one. A host whose dial failed is tried after the others for a
// while (Exim's host retry records): the mail goes out through the
// working host at the pace of its sessions, not one timeout per session.
func TestDeadFirstHostIsNotWaitedForPerSession(t *testing.T) {
	const n, perConn, timeout = 40, 2, time.Second
	for _, kind := range []string{"syn-dropped", "never-greets"} {
		t.Run(kind, func(t *testing.T) {
			sink := testsink.Start(t, testsink.Options{})
			var dead string
			var ungreeted *testsink.Sink
			if kind == "syn-dropped" {
				dead = synDropper(t)
			} else {
				ungreeted = neverGreets(t)
				dead = ungreeted.Addr()
			}
			shape := hourSchedule(2, 100)
			shape.MessagesPerConn = perConn
			shape.ConnectTimeout, shape.CommandTimeout = timeout, timeout
			shape.Adapt.Off = true // two sessions at a time, as a preset would have it
			reg := &swapRegistry{}
			reg.p.Store(&scriptedPolicy{version: "v1", shape: shape})
			route := fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%q, %q]\n", dead, sink.Addr())
			_, rec, addr := testEngine(t, route+"[queue]\nretry_jitter = 0.0\n", Options{Registry: reg})
			t0 := time.Now()
			sendN(t, addr, n)
			rec.WaitFor(t, events.Delivery, n, 30*time.Second)
			took := time.Since(t0)
			tried := -1
			if ungreeted != nil {
				tried = ungreeted.Conns()
			}
			t.Logf("%d messages over %d sessions in %v; %d dials to the dead host (-1: not counted)",
				n, sink.Conns(), took.Round(10*time.Millisecond), tried)
			if d := rec.Count(events.TransientFailure); d > 0 {
				t.Errorf("%d deferrals while a host of the set worked", d)
			}
			// Each of the n/perConn sessions waiting the timeout, two at a
			// time, is n/perConn/2 = 10 timeouts; the first dials' one is
			// the price of learning.
			if limit := 4 * timeout; took > limit {
				t.Errorf("%v to deliver %d messages: the sessions kept waiting for the dead host (%d sessions, %v each)",
					took.Round(10*time.Millisecond), n, sink.Conns(), timeout)
			}
			if tried > 4 {
				t.Errorf("%d dials to the dead host for %d sessions", tried, sink.Conns())
			}
		})
	}
}

// Greylisting keys on the client's IP with the sender and the recipient
// (postgrey, Microsoft, many others): a message greylisted from one source
// of a pool and retried from another is greylisted again, as a new
// triplet. A pool of three sources against a greylist of a second: each
// message is deferred once and delivered on its retry, from the source it
// was greylisted from (Postfix sends from one address; PowerMTA keeps a
// message in its virtual MTA's queue).
func TestGreylistedMailIsRetriedFromTheSameSource(t *testing.T) {
	t.Parallel()
	const n, delay = 12, time.Second
	grey := newGreylist(delay, true)
	sink := testsink.Start(t, testsink.Options{RespondClient: grey.respond})
	_, rec, addr := threeSourceEngine(t, sink, hourSchedule(2, 50))
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 20*time.Second)
	d := rec.Count(events.TransientFailure)
	triplets := grey.entries()
	t.Logf("%d messages: %d deferrals, greylisted from %d (source, recipient) pairs", n, d, triplets)
	if d != n || triplets != n {
		t.Errorf("%d deferrals and %d greylist entries for %d messages, want one each: retries came from other sources",
			d, triplets, n)
	}
}

// Yahoo throttles at RCPT with "421 4.7.0 [TSS04] Messages from ...
// temporarily deferred due to unexpected volume or user complaints" and
// closes the connection: the recipients the transaction had accepted are
// not delivered either (no DATA follows), so every recipient of the
// message is retried, soon (a throttle), and delivered once; none is lost
// and none delivered twice.
func TestThrottle421AtRcptRetriesTheWholeTransaction(t *testing.T) {
	t.Parallel()
	const msgs, per = 6, 4
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, n int) *smtp.SMTPError {
		if stage == testsink.StageRcpt && n < 20 && n%7 == 3 { // three transactions of the first pass
			return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
				Message: "[TSS04] Messages from 127.0.0.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"}
		}
		return nil
	}})
	_, rec, addr := sinkEngine(t, sink, hourSchedule(2, 20))
	sendAndDeliverEach(t, addr, rec, sink, msgs, per)
	// One transaction comes back in one retry slot of the path's pace:
	// a slot per recipient spaced the message's retry from the next
	// message's by as many slots as it had recipients, all but one empty.
	slot := map[string]time.Time{}
	for _, r := range rec.All(events.TransientFailure) {
		if r.NextAttempt == nil || r.NextAttempt.Sub(r.Time) > time.Minute {
			t.Fatalf("deferral of %s until %v: a throttle waited for the schedule", r.Recipient, r.NextAttempt)
		}
		msg := r.ID + fmt.Sprint(r.Attempts)
		if s, ok := slot[msg]; ok && !s.Equal(*r.NextAttempt) {
			t.Errorf("recipient %s of a deferred transaction due %v after another: a retry slot per recipient",
				r.Recipient, r.NextAttempt.Sub(s))
		}
		slot[msg] = *r.NextAttempt
	}
	t.Logf("%d deferrals", rec.Count(events.TransientFailure))
}

// A provider that throttles with a reply that names no cause at all
// ("451 Try again later" at the end of DATA, no enhanced code, as a
// rate-limit ACL may be written): one such reply is a temporary failure
// of its message, but several to different messages within a few
// transactions are a limiter refusing the excess. The path's rate comes
// down toward the limit and the refused mail is retried soon at the
// path's pace, not after the retry schedule (an hour here).
func TestUncodedTryAgainLaterInRunsIsAThrottle(t *testing.T) {
	const n, limit = 40, 8.0
	sink := testsink.Start(t, testsink.Options{Respond: limiter(limit, testsink.StageData,
		&smtp.SMTPError{Code: 451, Message: "Try again later"})})
	e, rec, addr := sinkEngine(t, sink, hourSchedule(3, 4*limit))
	t0 := time.Now()
	sendN(t, addr, n)
	// The first of a run came alone when it came: it is given a minute
	// (loneRetryBase), the others seconds.
	first := 0
	waitFor(t, 30*time.Second, "every message delivered but the first of each run", func() bool {
		first = 0
		for _, r := range rec.All(events.TransientFailure) {
			if r.NextAttempt.Sub(r.Time) > 30*time.Second {
				if r.NextAttempt.Sub(r.Time) > 70*time.Second {
					t.Fatalf("%s deferred until %v: the retry schedule", r.Recipient, r.NextAttempt.Sub(r.Time))
				}
				first++
			}
		}
		return rec.Count(events.Delivery)+first >= n
	})
	// The run that followed showed the first was a throttle's refusal
	// too: it comes back at the path's pace, not after its minute.
	rec.WaitFor(t, events.Delivery, n, 20*time.Second)
	l := learnedOf(t, e)
	t.Logf("%d deferred, %d of them a run's first (given a minute, brought back by the run); all delivered in %v; learned %+v",
		rec.Count(events.TransientFailure), first, time.Since(t0).Round(100*time.Millisecond), l)
	if first > 3 {
		t.Errorf("%d refusals taken for lone ones: runs were not seen", first)
	}
	if l.LearnedRate > 2*limit {
		t.Errorf("learned rate %.1f msg/s against a limit of %.0f: the runs of refusals did not cut it", l.LearnedRate, limit)
	}
}

// limiter is a sink's Respond that takes rate transactions a second at
// stage (a bucket two deep) and refuses the excess with refusal.
func limiter(rate float64, stage string, refusal *smtp.SMTPError) func(string, string, int) *smtp.SMTPError {
	return newBucket(rate, stage, refusal).respond
}

// greylist answers a recipient's first attempt, and any before delay has
// passed since, with a greylisting 451 that states the delay; keyed on the
// recipient, and on the client's address too when perClient (the triplet
// of postgrey and most greylists, with the sender fixed in these tests).
type greylist struct {
	delay     time.Duration
	perClient bool
	mu        sync.Mutex
	first     map[string]time.Time
}

func newGreylist(delay time.Duration, perClient bool) *greylist {
	return &greylist{delay: delay, perClient: perClient, first: map[string]time.Time{}}
}

func (g *greylist) respond(client, stage, arg string) *smtp.SMTPError {
	if stage != testsink.StageRcpt {
		return nil
	}
	key := arg
	if g.perClient {
		key = client + " " + arg
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	t0, seen := g.first[key]
	if !seen {
		g.first[key] = time.Now()
	}
	if !seen || time.Since(t0) < g.delay {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
			Message: fmt.Sprintf("Greylisted, please try again in %d seconds", int(g.delay.Seconds()))}
	}
	return nil
}

// entries is the number of keys greylisted so far.
func (g *greylist) entries() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.first)
}

// bucket is a destination's limiter whose rate can change (limiter).
type bucket struct {
	stage   string
	refusal *smtp.SMTPError
	mu      sync.Mutex
	rate    float64
	tokens  float64
	last    time.Time
}

func newBucket(rate float64, stage string, refusal *smtp.SMTPError) *bucket {
	return &bucket{stage: stage, refusal: refusal, rate: rate, tokens: 2, last: time.Now()}
}

func (b *bucket) respond(st, _ string, _ int) *smtp.SMTPError {
	if st != b.stage {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	b.tokens = min(2, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return b.refusal
	}
	b.tokens--
	return nil
}

// setRate changes the rate from now on.
func (b *bucket) setRate(r float64) {
	b.mu.Lock()
	b.rate = r
	b.mu.Unlock()
}

// A provider that limits the rate of new connections from a client, not
// their number: over 4 connections in any second it answers the greeting
// with "421 4.7.0 Too many connections per second from your IP, try again
// later" and closes. With 2 messages per connection the path reconnects
// all the time: the refused connections put their mail back (no
// deferral), and the mail keeps flowing on the connections that were
// taken.
func TestConnectionRateLimitAtGreeting(t *testing.T) {
	const n, perSec = 60, 4
	var mu sync.Mutex
	var opened []time.Time
	sink := testsink.Start(t, testsink.Options{
		Delay: map[string]time.Duration{testsink.StageData: 20 * time.Millisecond},
		Respond: func(stage, _ string, _ int) *smtp.SMTPError {
			if stage != testsink.StageConnect {
				return nil
			}
			mu.Lock()
			defer mu.Unlock()
			now := time.Now()
			for len(opened) > 0 && now.Sub(opened[0]) > time.Second {
				opened = opened[1:]
			}
			if len(opened) >= perSec {
				return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
					Message: "Too many connections per second from your IP, try again later"}
			}
			opened = append(opened, now)
			return nil
		}})
	shape := hourSchedule(4, 50)
	shape.MessagesPerConn = 2
	e, rec, addr := sinkEngine(t, sink, shape)
	took := sendAllDelivered(t, addr, rec, n)
	l := learnedOf(t, e)
	// The provider's bound: perSec connections of 2 messages a second.
	t.Logf("%d messages in %v (the provider's bound: %v) over %d connections, about %d refused at the greeting; learned %+v",
		n, took.Round(10*time.Millisecond), time.Duration(n/2/perSec)*time.Second, sink.Conns(), sink.Conns()-n/2, l)
	if d := rec.Count(events.TransientFailure); d > 0 {
		t.Errorf("%d deferrals: a connection refused for the connection rate deferred mail", d)
	}
	if l.LearnedConnections < 2 || l.LearnedRate < l.ConfiguredRate {
		t.Errorf("learned %+v: refusals of the connection rate collapsed the path", l)
	}
}

// A provider that limits a recipient domain's intake across every client
// (a rate per domain, not per IP): a pool of three sources, each path
// preset at 20 msg/s, against 8 msg/s in all, throttled with "451 4.7.1
// rate limit exceeded, try again later". Each path is throttled for its
// share of the excess and learns a share of the limit: every message is
// delivered, soon, and the paths' learned rates add up to about the limit,
// not three times it.
func TestDomainRateLimitAcrossSources(t *testing.T) {
	const n, limit = 40, 8.0
	sink := testsink.Start(t, testsink.Options{Respond: limiter(limit, testsink.StageMail,
		&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
			Message: "Rate limit exceeded for this domain, try again later"})})
	e, rec, addr := threeSourceEngine(t, sink, hourSchedule(3, 20))
	took := sendAllDelivered(t, addr, rec, n)
	sum := 0.0
	for _, p := range e.ready.Paths() {
		sum += limitsOf(p).LearnedRate
	}
	t.Logf("%d messages in %v, %d throttled; learned rates add up to %.1f msg/s against %.0f",
		n, took.Round(10*time.Millisecond), rec.Count(events.TransientFailure), sum, limit)
	if sum > 3*limit {
		t.Errorf("learned rates add up to %.1f msg/s against a limit of %.0f for all sources", sum, limit)
	}
}

// A destination that takes its time to answer the end of DATA, near the
// path's data timeout (1.2 s of 1.5 s, a content filter under load), for
// every message: each is delivered once (no timeout, no duplicate), and
// the path opens more connections to carry the load rather than cutting
// anything.
func TestDataReplyNearTheTimeoutIsNoFailure(t *testing.T) {
	const n = 24
	sink := testsink.Start(t, testsink.Options{Delay: map[string]time.Duration{testsink.StageData: 1200 * time.Millisecond}})
	shape := hourSchedule(2, 50)
	shape.DataTimeout = 1500 * time.Millisecond
	e, rec, addr := sinkEngine(t, sink, shape)
	took := sendAllDelivered(t, addr, rec, n)
	l := learnedOf(t, e)
	t.Logf("%d messages in %v, %d connections open at most; learned %+v",
		n, took.Round(10*time.Millisecond), sink.PeakOpen(), l)
	if d := rec.Count(events.TransientFailure); d > 0 {
		t.Errorf("%d deferrals from replies within the timeout", d)
	}
	if got := deliveredOnce(t, sink); len(got) != n {
		t.Errorf("%d recipients delivered, want %d", len(got), n)
	}
	if sink.PeakOpen() <= l.ConfiguredConnections {
		t.Errorf("at most %d connections open: the path did not open more to carry the slow replies", sink.PeakOpen())
	}
}

// sendAllDelivered sends n messages and waits until they are delivered;
// it returns how long that took.
func sendAllDelivered(t *testing.T, addr string, rec *testrec.Recorder, n int) time.Duration {
	t.Helper()
	t0 := time.Now()
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 30*time.Second)
	return time.Since(t0)
}

// threeSourceEngine is sinkEngine with a default pool of three sources,
// 127.0.0.1 to 127.0.0.3.
func threeSourceEngine(t *testing.T, sink *testsink.Sink, shape policy.Shape) (*Engine, *testrec.Recorder, string) {
	t.Helper()
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: shape})
	return testEngine(t, routeTo(sink)+threeSources+"[queue]\nretry_jitter = 0.0\n"+fastThrottleRetry, Options{Registry: reg})
}

// A provider that raises its limit mid-run (twice the rate once the
// sender has been found good): the path, cut to the first limit, learns
// the new one upward by probing. The quiet period is shortened so that
// the test's seconds stand for a real path's minutes: the climb is
// counted in quiet periods (5 s each by default).
func TestLearnsARaisedLimitUpward(t *testing.T) {
	const quiet = 200 * time.Millisecond
	const low, high = 5.0, 10.0
	lim := newBucket(low, testsink.StageMail, &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
		Message: "Rate limit exceeded, try again later"})
	sink := testsink.Start(t, testsink.Options{Respond: lim.respond})
	shape := hourSchedule(3, 4*low)
	shape.Adapt.Quiet = quiet
	e, rec, addr := sinkEngine(t, sink, shape)
	done := make(chan struct{})
	defer close(done)
	go func() { // a backlog that outlasts the test: the limit binds throughout
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			if rec.Count(events.Delivery)+200 > i {
				if trySend(addr, "s@sender.test", []string{fmt.Sprintf("r%d@example.test", i)}, testBody(i)) != nil {
					return // the engine stopped
				}
			} else {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}()
	waitFor(t, 20*time.Second, "the rate learned near the first limit", func() bool {
		if len(e.ready.Paths()) == 0 {
			return false
		}
		r := learnedOf(t, e).LearnedRate
		return r <= 1.2*low && r >= 0.6*low
	})
	time.Sleep(20 * quiet)
	lim.setRate(high)
	raised := time.Now()
	waitFor(t, 25*time.Second, "the rate learned at 80% of the raised limit", func() bool {
		return learnedOf(t, e).LearnedRate >= 0.8*high
	})
	took := time.Since(raised)
	if periods := float64(took) / float64(quiet); periods > 24 {
		t.Errorf("%.0f quiet periods to learn a doubled limit upward: more than two minutes at the default", periods)
	}
	t.Logf("learned %.1f msg/s %v after the limit went from %.0f to %.0f: %.0f quiet periods (%v at the default 5 s)",
		learnedOf(t, e).LearnedRate, took.Round(10*time.Millisecond), low, high, float64(took)/float64(quiet),
		time.Duration(float64(took)/float64(quiet)*float64(5*time.Second)).Round(time.Second))
}

// A provider that takes 3 messages per connection and answers the next
// MAIL FROM with "421 4.7.0 Try again later, closing connection" (a
// per-session limit worded as a generic deferral): the message was never
// offered on a session that had carried mail, so it goes out on the next
// session at once (a deferral, since the words say nothing of a
// session's limit), and the path's rate is not cut for it.
func TestTryAgainLaterAtMailOfAUsedSession(t *testing.T) {
	t.Parallel()
	const n, perConn, rate = 30, 3, 30.0
	prov := providersim.Provider{MaxMsgsPerConn: perConn,
		MsgsPerConnReply: providersim.Reply{Code: 421, Enhanced: "4.7.0", Close: true,
			Text: "Try again later, closing connection"},
		Latency: providersim.Latency{DataEnd: providersim.Delay{Fixed: 5 * time.Millisecond}}}
	e, rec, addr, _ := simEngine(t, prov, hourSchedule(3, rate))
	took := sendAllDelivered(t, addr, rec, n)
	l := learnedOf(t, e)
	t.Logf("%d delivered in %v, %d deferrals; learned %+v", n, took.Round(10*time.Millisecond),
		rec.Count(events.TransientFailure), l)
	for _, r := range rec.All(events.TransientFailure) {
		if r.NextAttempt.Sub(r.Time) > 2*time.Second {
			t.Errorf("%s deferred for %v: a session's end waited for a throttle's pace", r.Recipient, r.NextAttempt.Sub(r.Time))
		}
	}
	if l.LearnedRate < rate {
		t.Errorf("learned rate %.1f below the preset %.0f", l.LearnedRate, rate)
	}
}

// A destination of many MX addresses that all refuse at the greeting
// ("421 4.7.0 Too many connections from your IP", a provider over its
// per-IP limit, whose every MX counts the same IP): each dial tries at
// most 5 addresses, as Postfix (smtp_mx_address_limit = 5) and Exim
// (hosts_max_try = 5) do by default, rather than every address of the
// set, each a refused connection the provider counts against the source.
func TestDialTriesAtMostFiveAddresses(t *testing.T) {
	t.Parallel()
	const hosts, limit = 8, 5
	var sinks []*testsink.Sink
	var addrs []string
	for range hosts {
		s := greetsWith(t, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
			Message: "Too many connections from your IP"})
		sinks, addrs = append(sinks, s), append(addrs, fmt.Sprintf("%q", s.Addr()))
	}
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: hourSchedule(1, 20)})
	route := fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%s]\n", strings.Join(addrs, ", "))
	_, rec, addr := testEngine(t, route+"[queue]\nretry_jitter = 0.0\n", Options{Registry: reg})
	send(t, addr, "s@sender.test", []string{"r@example.test"}, testBody(0))
	rec.WaitFor(t, events.TransientFailure, 1, 20*time.Second)
	var per []int
	dials, beyond := sinks[0].Conns(), 0
	for i, s := range sinks {
		per = append(per, s.Conns())
		if i >= limit {
			beyond += s.Conns()
		}
	}
	t.Logf("%d dials until the path was dead; connections per address %v", dials, per)
	if beyond > 0 {
		t.Errorf("%d connections to the addresses past the first %d: each dial tried every address (%v)", beyond, limit, per)
	}
}

// A first MX that greets with "521 ... does not accept mail" (RFC 7504 3:
// its client SHOULD NOT retry that host) beside one that works: the mail
// goes through the second, and the first is tried last from then on, as
// a host that does not answer is, not once per session.
func TestFiveTwentyOneHostIsTriedLast(t *testing.T) {
	t.Parallel()
	const n, perConn = 20, 2
	nomail := greetsWith(t, &smtp.SMTPError{Code: 521, EnhancedCode: smtp.EnhancedCode{5, 3, 2},
		Message: "mx1.example.test does not accept mail"})
	sink := testsink.Start(t, testsink.Options{})
	shape := hourSchedule(2, 100)
	shape.MessagesPerConn = perConn
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: shape})
	route := fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%q, %q]\n", nomail.Addr(), sink.Addr())
	_, rec, addr := testEngine(t, route+"[queue]\nretry_jitter = 0.0\n", Options{Registry: reg})
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 20*time.Second)
	t.Logf("%d sessions to the working host, %d dials to the 521 host", sink.Conns(), nomail.Conns())
	if d := rec.Count(events.TransientFailure) + rec.Count(events.Bounce); d > 0 {
		t.Errorf("%d deferrals or bounces while a host of the set worked", d)
	}
	if got := nomail.Conns(); got > 2 {
		t.Errorf("%d dials to the host that does not accept mail for %d sessions", got, sink.Conns())
	}
}
