package engine

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/internal/testrec"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

// Provider behaviours the adaptive loop's benchmark world does not model
// (bench/internal/scenario/blind*.go), each as a deliverability engineer
// would expect wasmta to meet it, against a real SMTP server on loopback.

// simEngine starts one simulated provider and an engine routing every
// domain to it, shaped by shape (the built-in classifier reads the
// replies).
func simEngine(t *testing.T, prov providersim.Provider, shape policy.Shape) (*Engine, *testrec.Recorder, string, *providersim.Sim) {
	t.Helper()
	prov.Name, prov.Addr = "prov", "127.0.0.1:0"
	sim, err := providersim.Start(context.Background(), []providersim.Provider{prov}, providersim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: shape})
	toml := fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%q]\n[queue]\n", sim.Addr("prov")) + fastThrottleRetry
	e, rec, addr := testEngine(t, toml, Options{Registry: reg})
	return e, rec, addr, sim
}

// learnedOf returns the limits of the engine's one egress path.
func learnedOf(t *testing.T, e *Engine) PathLimits {
	t.Helper()
	paths := e.ready.Paths()
	if len(paths) != 1 {
		t.Fatalf("%d paths, want 1", len(paths))
	}
	return limitsOf(paths[0])
}

// A provider that takes a few messages per connection and answers the next
// MAIL FROM with 421 (Yahoo's "Max message per connection reached, closing
// transmission channel", which the classifier reads as Yahoo's throttle):
// the session ends, the message goes out on the next one. Not a throttle:
// the rate is not cut, and no message is deferred for it.
func TestMessagesPerConnectionLimitIsNotAThrottle(t *testing.T) {
	t.Parallel()
	const n, perConn, rate = 90, 5, 30.0
	prov := providersim.Provider{MaxMsgsPerConn: perConn,
		MsgsPerConnReply: providersim.Reply{Code: 421, Close: true,
			Text: "Max message per connection reached, closing transmission channel"},
		Latency: providersim.Latency{DataEnd: providersim.Delay{Fixed: 5 * time.Millisecond}}}
	e, rec, addr, sim := simEngine(t, prov, policy.Shape{MaxConnections: 3, MessagesPerSecond: rate,
		RetryInitial: time.Hour, RetryMax: 4 * time.Hour, MaxAge: 24 * time.Hour})
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 60*time.Second)
	st := sim.Stats()["prov"].Total
	l := learnedOf(t, e)
	deferred := rec.Count(events.TransientFailure)
	t.Logf("%d delivered; %d refused at the per-connection limit, %d deferrals; learned %+v", n, st.MsgsPerConn, deferred, l)
	if l.LearnedRate < rate {
		t.Errorf("learned rate %.1f msg/s, below the preset %.0f: a per-connection limit was read as a throttle", l.LearnedRate, rate)
	}
	if deferred > 0 {
		t.Errorf("%d deferrals: a message refused because its session carried enough went to the retry queue", deferred)
	}
}

// A destination that closes idle connections sooner than the path's idle
// timeout (Postfix's smtpd closes after 300 s with "421 4.4.2 ... timeout
// exceeded", some servers without a word): the next message finds its
// session gone at MAIL FROM and goes out on a new one, at once, with no
// deferral.
func TestSessionClosedIdleByTheServerIsNotADeferral(t *testing.T) {
	// A second: long enough that a pause inside a transaction on a loaded
	// machine does not close it mid-way, short enough to wait for.
	sink := testsink.Start(t, testsink.Options{ReadTimeout: time.Second})
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: policy.Shape{MaxConnections: 1, IdleTimeout: time.Minute,
		RetryInitial: time.Hour, RetryMax: 4 * time.Hour, MaxAge: 24 * time.Hour}})
	_, rec, addr := testEngine(t, routeTo(sink), Options{Registry: reg})
	for i := range 3 {
		send(t, addr, "s@sender.test", []string{fmt.Sprintf("r%d@example.test", i)}, testBody(i))
		rec.WaitFor(t, events.Delivery, i+1, 10*time.Second)
		waitFor(t, 10*time.Second, "the sink closed the idle session", func() bool { return sink.Open() == 0 })
	}
	if n := rec.Count(events.TransientFailure); n > 0 {
		t.Fatalf("%d deferrals: a session the server had closed idle deferred the next message: %+v",
			n, rec.All(events.TransientFailure)[0].Response)
	}
	if got := sink.Conns(); got != 3 {
		t.Fatalf("%d connections for 3 messages, want 3", got)
	}
}

// sendN sends n messages of one recipient each, r0@example.test up.
func sendN(t *testing.T, addr string, n int) {
	t.Helper()
	for i := range n {
		send(t, addr, "s@sender.test", []string{fmt.Sprintf("r%d@example.test", i)}, testBody(i))
	}
}

// sinkEngine starts an engine routing every domain to sink, shaped by
// shape, its mail deferred for a path cause retried after
// fastThrottleRetryAfter.
func sinkEngine(t *testing.T, sink *testsink.Sink, shape policy.Shape) (*Engine, *testrec.Recorder, string) {
	t.Helper()
	return sinkEngineQueue(t, sink, shape, fastThrottleRetry)
}

// sinkEngineQueue is sinkEngine with queue's keys (retry_throttled at its
// default when queue is ""): for the tests that read what the path learned
// once the mail is delivered, whose reading depends on how long the
// deferred mail took to come back.
func sinkEngineQueue(t *testing.T, sink *testsink.Sink, shape policy.Shape, queue string) (*Engine, *testrec.Recorder, string) {
	t.Helper()
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: shape})
	return testEngine(t, routeTo(sink)+"[queue]\nretry_jitter = 0.0\n"+queue, Options{Registry: reg})
}

// hourSchedule is a shape whose retry schedule is far beyond any test:
// what a test delivers in seconds was retried for a cause, not by it.
func hourSchedule(conns int, rate float64) policy.Shape {
	return policy.Shape{MaxConnections: conns, MessagesPerSecond: rate,
		RetryInitial: time.Hour, RetryMax: 4 * time.Hour, MaxAge: 24 * time.Hour}
}

// deliveredOnce counts the recipients a sink accepted, each at most once.
func deliveredOnce(t *testing.T, sink *testsink.Sink) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, m := range sink.Messages() {
		for _, r := range m.To {
			got[r]++
		}
	}
	for r, n := range got {
		if n > 1 {
			t.Errorf("%s delivered %d times", r, n)
		}
	}
	return got
}

// sendAndDeliverEach sends msgs messages of per recipients each and waits
// until every recipient is delivered, each once.
func sendAndDeliverEach(t *testing.T, addr string, rec *testrec.Recorder, sink *testsink.Sink, msgs, per int) {
	t.Helper()
	for i := range msgs {
		var to []string
		for k := range per {
			to = append(to, fmt.Sprintf("r%d-%d@example.test", i, k))
		}
		send(t, addr, "s@sender.test", to, testBody(i))
	}
	rec.WaitFor(t, events.Delivery, msgs*per, 30*time.Second)
	if got := deliveredOnce(t, sink); len(got) != msgs*per {
		t.Fatalf("%d recipients delivered, want %d", len(got), msgs*per)
	}
}

// A destination that takes 2 recipients per transaction and answers the
// third RCPT with "452 4.5.3 too many recipients" (RFC 5321 4.5.3.1.10):
// the accepted recipients are delivered once, the others go out soon in
// another transaction, not after the retry schedule; not a throttle.
func TestTooManyRecipientsSendsTheRestSoon(t *testing.T) {
	t.Parallel()
	const msgs, per = 6, 5
	sink := testsink.Start(t, testsink.Options{MaxRcpts: 2})
	e, rec, addr := sinkEngine(t, sink, hourSchedule(2, 20))
	sendAndDeliverEach(t, addr, rec, sink, msgs, per)
	if l := learnedOf(t, e); l.LearnedRate < l.ConfiguredRate {
		t.Errorf("learned rate %.1f below the preset %.1f: a recipient limit was read as a throttle", l.LearnedRate, l.ConfiguredRate)
	}
}

// A destination that throttles at RCPT (451 4.7.1, a rate per client),
// refusing some recipients of a transaction and taking the others: the
// accepted ones are delivered once, the refused ones retried soon and
// delivered, and the path's rate is cut (a throttle is a rate signal).
func TestThrottleAtRcptKeepsTheAcceptedRecipients(t *testing.T) {
	t.Parallel()
	const msgs, per = 10, 3
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, n int) *smtp.SMTPError {
		if stage == testsink.StageRcpt && n <= 2*msgs*per/3 && n%3 == 0 {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
				Message: "Too many recipients from this client, rate limit exceeded, try again later"}
		}
		return nil
	}})
	_, rec, addr := sinkEngine(t, sink, hourSchedule(2, 20))
	sendAndDeliverEach(t, addr, rec, sink, msgs, per)
	for _, r := range rec.All(events.TransientFailure) {
		if r.Category != policy.CategoryRateLimited {
			t.Errorf("deferral %s of category %s, want RateLimited", r.Recipient, r.Category)
		}
	}
}

// A destination that resets the TCP connection after receiving a whole
// message, before its final reply, now and then: the message is retried
// soon and delivered (RFC 5321 6.1: a duplicate is better than a loss), the
// rate is not cut for it, and nothing is lost.
func TestConnectionResetMidDataRetriesTheMessage(t *testing.T) {
	t.Parallel()
	const n = 24
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, k int) *smtp.SMTPError {
		if stage == testsink.StageData && k <= n && k%8 == 3 {
			return testsink.ResetConn
		}
		return nil
	}})
	e, rec, addr := sinkEngine(t, sink, hourSchedule(3, 20))
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 30*time.Second)
	got := map[string]bool{}
	for _, m := range sink.Messages() {
		got[m.To[0]] = true
	}
	if len(got) != n {
		t.Fatalf("%d of %d recipients reached the sink", len(got), n)
	}
	resets := rec.Count(events.TransientFailure)
	if l := learnedOf(t, e); l.LearnedRate < l.ConfiguredRate || l.LearnedConnections < 2 {
		t.Errorf("learned %+v after %d resets: a few resets cut the path", l, resets)
	}
	if resets == 0 {
		t.Fatal("no deferral: the sink never reset a transaction")
	}
}

// A throttle of the client answered with a 5xx (QQ Mail's "550 Connection
// frequency limited"): the path's rate is cut as for a 4xx throttle and
// the mail is retried, not bounced. (Until 2026-12 this test used
// Exchange Online's "5.2.122 The recipient has exceeded their limit ...
// per hour": that is one mailbox's limit, which cuts nothing now,
// TestMailboxReceivingRateDefersOnlyThatRecipient.)
func TestFiveHundredThrottleCutsTheRateAndRetries(t *testing.T) {
	const n, limit = 30, 8.0
	sink := testsink.Start(t, testsink.Options{Respond: limiter(limit, testsink.StageMail,
		&smtp.SMTPError{Code: 550, EnhancedCode: smtp.NoEnhancedCode,
			Message: "Connection frequency limited. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000722"})})
	e, rec, addr := sinkEngine(t, sink, hourSchedule(3, 4*limit))
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 40*time.Second)
	if b := rec.Count(events.Bounce); b > 0 {
		t.Fatalf("%d bounced: a 5xx throttle was taken for a verdict", b)
	}
	l := learnedOf(t, e)
	t.Logf("%d throttled; learned %+v", rec.Count(events.TransientFailure), l)
	if l.LearnedRate > 2*limit {
		t.Errorf("learned rate %.1f msg/s against a limit of %.0f: the 5xx throttles did not cut it", l.LearnedRate, limit)
	}
}

// A provider that meters by reputation with a 4xx the classifiers read as
// ReputationBlock (Outlook.com's "451 4.7.650 ... temporarily rate
// limited due to IP reputation"): the category stays the cause, but the
// path's rate is cut as for a throttle and the deferred mail comes back at
// the path's pace, not after the retry schedule.
func TestTemporaryReputationReplyCutsTheRate(t *testing.T) {
	const n, limit = 30, 8.0
	sink := testsink.Start(t, testsink.Options{Respond: limiter(limit, testsink.StageMail,
		&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 650},
			Message: "The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation."})})
	e, rec, addr := sinkEngine(t, sink, hourSchedule(3, 4*limit))
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 40*time.Second)
	deferred := rec.Count(events.TransientFailure)
	if deferred == 0 {
		t.Fatal("no reply deferred: the test's limit was never reached")
	}
	for _, r := range rec.All(events.TransientFailure) {
		if r.Category != policy.CategoryReputationBlock {
			t.Errorf("deferred as %q, want %q (the category names the cause)", r.Category, policy.CategoryReputationBlock)
			break
		}
	}
	l := learnedOf(t, e)
	t.Logf("%d deferred; learned %+v", deferred, l)
	if l.LearnedRate > 2*limit {
		t.Errorf("learned rate %.1f msg/s against a limit of %.0f: the reputation deferrals did not cut it", l.LearnedRate, limit)
	}
}

// A provider that tarpits: it takes 2 connections and leaves any further
// one ungreeted (instead of refusing it with 421), and delays every reply.
// The ungreeted dials time out; each is a signal about one connection:
// the path's connection limit comes down to what works, the mail waiting
// for those dials goes back to the queue (no deferral), the rate is not
// cut, and the queue drains.
func TestTarpitTimeoutsAreSignalsPerConnection(t *testing.T) {
	const n, allowed = 40, 2
	done := make(chan struct{})
	var sink *testsink.Sink
	sink = testsink.Start(t, testsink.Options{
		Delay: map[string]time.Duration{testsink.StageBanner: 100 * time.Millisecond, "*": 20 * time.Millisecond},
		Respond: func(stage, _ string, _ int) *smtp.SMTPError {
			if stage == testsink.StageConnect && sink.Open() > allowed {
				select { // never greets; the client gives up first
				case <-done:
				case <-time.After(10 * time.Second):
				}
				return &smtp.SMTPError{Code: 421, Message: "too late"}
			}
			return nil
		}})
	t.Cleanup(func() { close(done) })
	shape := hourSchedule(6, 100)
	shape.CommandTimeout = time.Second
	e, rec, addr := sinkEngineQueue(t, sink, shape, "") // the default retry_throttled: the reading is taken once all is delivered
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 30*time.Second)
	l := learnedOf(t, e)
	t.Logf("%d connections for %d messages, %d open at most; learned %+v", sink.Conns(), n, sink.PeakOpen(), l)
	if d := rec.Count(events.TransientFailure); d > 0 {
		t.Errorf("%d deferrals: a dial that timed out deferred mail while the path delivered", d)
	}
	if l.LearnedRate < l.ConfiguredRate {
		t.Errorf("learned rate %.1f below the preset %.1f: timeouts of dials cut the rate", l.LearnedRate, l.ConfiguredRate)
	}
	if l.LearnedConnections < allowed || l.LearnedConnections > allowed+2 {
		t.Errorf("learned %d connections, want about the %d the provider greets", l.LearnedConnections, allowed)
	}
}

// A provider with a quota per period across all connections (an hourly
// quota, here a few seconds): once the quota is used up it throttles every
// message ("451 4.7.0 Hourly message quota exceeded") until the period
// ends, then takes mail again. The path's rate falls while the quota is
// used up and climbs back once it is renewed, by probing upward, rather
// than staying at its floor; every message is delivered. (The quiet
// period is shortened so that the test's seconds stand for the minutes
// of a real quota.)
func TestRateRecoversAfterAQuotaIsRenewed(t *testing.T) {
	const quota, rate, n = 30, 20.0, 120
	var mu sync.Mutex
	used, renewAt := 0, time.Time{}
	renewed := make(chan struct{})
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		if stage != testsink.StageMail {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if !renewAt.IsZero() && time.Now().After(renewAt) {
			used, renewAt = -1<<30, time.Time{} // renewed: no quota for the rest of the test
			close(renewed)
		}
		if used >= quota {
			if renewAt.IsZero() {
				renewAt = time.Now().Add(3 * time.Second)
			}
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
				Message: "Hourly message quota exceeded, try again later"}
		}
		used++
		return nil
	}})
	shape := hourSchedule(3, rate)
	shape.Adapt.Quiet = 100 * time.Millisecond
	e, rec, addr := sinkEngine(t, sink, shape)
	sendN(t, addr, n)
	select {
	case <-renewed:
	case <-time.After(30 * time.Second):
		t.Fatalf("the quota was never renewed: %d delivered", rec.Count(events.Delivery))
	}
	atRenewal := learnedOf(t, e).LearnedRate
	if atRenewal > rate/2 {
		t.Fatalf("learned rate %.1f when the quota was renewed: the quota's throttles did not cut it", atRenewal)
	}
	t0 := time.Now()
	waitFor(t, 20*time.Second, "the learned rate back at 80% of the preset", func() bool {
		return learnedOf(t, e).LearnedRate >= 0.8*rate
	})
	t.Logf("learned rate %.1f msg/s when the quota was renewed, %.0f%% of the preset again %v later",
		atRenewal, 80.0, time.Since(t0).Round(100*time.Millisecond))
	rec.WaitFor(t, events.Delivery, n, 30*time.Second)
}

// Greylisting: the first attempt per (sender, recipient) gets "451 4.7.1
// Greylisted, please try again in N seconds" and any attempt before N
// seconds the same; later ones are accepted. A temporary failure of each
// message, not a rate signal: the rate is not cut, each message is
// retried once, after the delay the reply states (not before, which
// would be greylisted again, and not after the hour of the schedule).
func TestGreylistedMailIsRetriedAfterTheStatedDelay(t *testing.T) {
	t.Parallel()
	const n, delay = 10, 2 * time.Second
	sink := testsink.Start(t, testsink.Options{RespondClient: newGreylist(delay, false).respond})
	e, rec, addr := sinkEngine(t, sink, hourSchedule(2, 20))
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 20*time.Second)
	if d := rec.Count(events.TransientFailure); d != n {
		t.Errorf("%d deferrals for %d greylisted messages, want one each", d, n)
	}
	if l := learnedOf(t, e); l.LearnedRate < l.ConfiguredRate {
		t.Errorf("learned rate %.1f below the preset %.1f: greylisting was read as a throttle", l.LearnedRate, l.ConfiguredRate)
	}
}

// A throttle at RCPT worded without any code hint ("450 Try again later"):
// nothing says it is about the pace, so it is a temporary failure of the
// recipients it refused, retried on the schedule (here a second). The
// recipients the same transactions accepted are delivered once, and only
// the refused ones are retried.
func TestUnworded4xxAtRcptRetriesOnlyTheRefused(t *testing.T) {
	t.Parallel()
	const msgs, per = 8, 3
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, n int) *smtp.SMTPError {
		if stage == testsink.StageRcpt && n <= msgs*per && n%2 == 0 {
			return &smtp.SMTPError{Code: 450, Message: "Try again later"}
		}
		return nil
	}})
	shape := hourSchedule(2, 20)
	shape.RetryInitial = time.Second
	_, rec, addr := sinkEngine(t, sink, shape)
	sendAndDeliverEach(t, addr, rec, sink, msgs, per)
	if d := rec.Count(events.TransientFailure); d != msgs*per/2 {
		t.Errorf("%d deferrals, want the %d recipients refused", d, msgs*per/2)
	}
}

// A provider that answers slowly under load (a second at the end of each
// message, the greeting half a second): the path is held back by its
// connections, not refused, so it opens more of them and the queue
// drains; nothing is deferred and no limit is cut.
func TestSlowRepliesOpenMoreConnections(t *testing.T) {
	const n = 30
	sink := testsink.Start(t, testsink.Options{Delay: map[string]time.Duration{
		testsink.StageBanner: 500 * time.Millisecond, testsink.StageData: time.Second}})
	e, rec, addr := sinkEngine(t, sink, hourSchedule(2, 50))
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 30*time.Second)
	l := learnedOf(t, e)
	t.Logf("%d connections, %d open at most; learned %+v", sink.Conns(), sink.PeakOpen(), l)
	if d := rec.Count(events.TransientFailure); d > 0 {
		t.Errorf("%d deferrals from a slow provider", d)
	}
	if l.LearnedConnections <= l.ConfiguredConnections || l.LearnedRate < l.ConfiguredRate {
		t.Errorf("learned %+v: a path held back by slow replies did not open more connections", l)
	}
}

// A 421 that says nothing but that the server closes the channel ("421
// 4.3.2 Service not available, closing transmission channel"), now and
// then, on fresh sessions too: about the session, not the message, so
// the message is retried soon at the path's pace, not after the retry
// schedule, and the rate is not cut.
func TestBare421IsRetriedSoon(t *testing.T) {
	t.Parallel()
	const n = 20
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, k int) *smtp.SMTPError {
		if stage == testsink.StageMail && k <= n && k%5 == 2 {
			return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2},
				Message: "Service not available, closing transmission channel"}
		}
		return nil
	}})
	e, rec, addr := sinkEngine(t, sink, hourSchedule(2, 20))
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 20*time.Second)
	if l := learnedOf(t, e); l.LearnedRate < l.ConfiguredRate {
		t.Errorf("learned rate %.1f below the preset %.1f", l.LearnedRate, l.ConfiguredRate)
	}
}

// failedEach waits until n failures (deferrals or bounces) are recorded.
func failedEach(t *testing.T, rec *testrec.Recorder, n int, within time.Duration) {
	t.Helper()
	waitFor(t, within, "every message attempted", func() bool {
		return rec.Count(events.TransientFailure)+rec.Count(events.Bounce) >= n
	})
}

// greetsWith is a destination that answers every connection with refusal
// and closes it.
func greetsWith(t *testing.T, refusal *smtp.SMTPError) *testsink.Sink {
	return testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		if stage == testsink.StageConnect {
			return refusal
		}
		return nil
	}})
}

// A destination that refuses this source at the greeting with a 5xx
// ("554 5.7.1 ... blocked using zen.spamhaus.org"): a refusal of the
// connection, not a verdict on the messages. The path is dead, its mail
// deferred to the end of its back-off, none bounced (as Postfix's "host
// ... refused to talk to me" defers).
func TestFiveHundredGreetingDefersTheMail(t *testing.T) {
	t.Parallel()
	const n = 5
	_, rec, addr := sinkEngine(t, greetsWith(t, &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
		Message: "5.7.1 Service unavailable; client host [127.0.0.1] blocked using zen.spamhaus.org"}), hourSchedule(2, 20))
	sendN(t, addr, n)
	rec.WaitFor(t, events.TransientFailure, n, 20*time.Second)
	if b := rec.Count(events.Bounce); b > 0 {
		t.Fatalf("%d bounced: a refused greeting was taken for a verdict on the messages", b)
	}
	for _, r := range rec.All(events.TransientFailure) {
		if r.NextAttempt == nil || r.NextAttempt.Sub(r.Time) < 29*time.Second {
			t.Fatalf("deferral %+v: want the next attempt at the end of the path's back-off", r)
		}
	}
}

// A host that does not accept mail says so at the greeting with "521"
// (RFC 7504 3: "Host does not accept mail", the greeting a domain with a
// null MX may still run; its client SHOULD NOT retry that host). When
// every host of the destination answers so, the mail is bounced at once,
// not deferred for days as a refused connection is (the 554 above).
func TestFiveTwentyOneGreetingBounces(t *testing.T) {
	t.Parallel()
	const n = 3
	_, rec, addr := sinkEngine(t, greetsWith(t, &smtp.SMTPError{Code: 521, EnhancedCode: smtp.EnhancedCode{5, 3, 2},
		Message: "mx.nomail.test does not accept mail"}), hourSchedule(2, 20))
	sendN(t, addr, n)
	failedEach(t, rec, n, 20*time.Second)
	if d := rec.Count(events.TransientFailure); d > 0 {
		r := rec.All(events.TransientFailure)[0]
		t.Fatalf("%d deferred (%d %s, next in %v): a host that does not accept mail was retried",
			d, r.Response.Code, r.Response.Text, r.NextAttempt.Sub(r.Time).Round(time.Second))
	}
	for _, r := range rec.All(events.Bounce) {
		if r.Response.Code != 521 {
			t.Errorf("bounced with %d %s, want the host's 521", r.Response.Code, r.Response.Text)
		}
	}
}

// A provider that resets the connection (TCP RST, no reply) at MAIL FROM
// of a session's fourth message: it takes three per connection and says
// nothing. The message goes out on the next session: no deferral, no cut.
// (The path has one connection, so the sink's sessions come one after
// another and the count restarts at each. It counted every MAIL of the
// sink until 2026-12, which was the same while the path never ended a
// session itself; a path that learned the three ends its sessions at
// three, and a global count then reset a new session's first MAIL.)
func TestSessionResetAtMailIsNotADeferral(t *testing.T) {
	t.Parallel()
	const n = 16
	var mails atomic.Int64 // MAILs of the session open now
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		switch {
		case stage == testsink.StageConnect:
			mails.Store(0)
		case stage == testsink.StageMail && mails.Add(1) == 4:
			return testsink.ResetConn
		}
		return nil
	}})
	e, rec, addr := sinkEngine(t, sink, hourSchedule(1, 20))
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 20*time.Second)
	if d := rec.Count(events.TransientFailure); d > 0 {
		t.Errorf("%d deferrals for sessions reset before their next message", d)
	}
	if l := learnedOf(t, e); l.LearnedRate < l.ConfiguredRate {
		t.Errorf("learned rate %.1f below the preset %.1f", l.LearnedRate, l.ConfiguredRate)
	}
}

// A provider that takes 2 connections from a source and resets the TCP
// connection of any further one at once (no greeting): each reset is a
// refused connection, a signal about that connection. The connection
// limit comes down to 2, nothing is deferred, the rate is not cut.
func TestConnectionsResetOverTheLimit(t *testing.T) {
	t.Parallel()
	const n, allowed = 40, 2
	var sink *testsink.Sink
	sink = testsink.Start(t, testsink.Options{
		Delay: map[string]time.Duration{testsink.StageData: 20 * time.Millisecond},
		Respond: func(stage, _ string, _ int) *smtp.SMTPError {
			if stage == testsink.StageConnect && sink.Open() > allowed {
				return testsink.ResetConn
			}
			return nil
		}})
	e, rec, addr := sinkEngine(t, sink, hourSchedule(8, 100))
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 20*time.Second)
	l := learnedOf(t, e)
	t.Logf("%d connections, learned %+v", sink.Conns(), l)
	if d := rec.Count(events.TransientFailure); d > 0 {
		t.Errorf("%d deferrals: a reset connection deferred mail while the path delivered", d)
	}
	if l.LearnedConnections > allowed+1 || l.LearnedRate < l.ConfiguredRate {
		t.Errorf("learned %+v, want about %d connections and the rate uncut", l, allowed)
	}
}

// A provider that stalls now and then at the end of DATA past the path's
// data timeout (a tarpit under load): each timeout is a signal about one
// connection, which may cut the connection limit by a step, never the
// path to one connection nor its rate; the stalled message is retried
// soon and delivered (perhaps twice: RFC 5321 6.1 prefers it to a loss).
func TestDataTimeoutsDoNotCollapseThePath(t *testing.T) {
	const n = 30
	done := make(chan struct{})
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, k int) *smtp.SMTPError {
		if stage == testsink.StageData && (k == 6 || k == 17) {
			select {
			case <-done:
			case <-time.After(2 * time.Second):
			}
		}
		return nil
	}})
	t.Cleanup(func() { close(done) })
	shape := hourSchedule(4, 50)
	shape.DataTimeout = 500 * time.Millisecond
	e, rec, addr := sinkEngineQueue(t, sink, shape, "") // the default retry_throttled: the reading is taken once all is delivered
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 20*time.Second)
	l := learnedOf(t, e)
	t.Logf("%d timed out; learned %+v", rec.Count(events.TransientFailure), l)
	if l.LearnedConnections < 2 || l.LearnedRate < l.ConfiguredRate {
		t.Errorf("learned %+v after two timeouts: the path collapsed", l)
	}
}

// scriptedServer is a hand-written SMTP server on loopback for replies
// testsink cannot give: answer is asked first for every command of the
// n-th connection (from 1) and may give the reply, and hang up after it;
// else the server answers as a plain ESMTP server offering ext in EHLO.
// It counts the messages it accepted.
func scriptedServer(t *testing.T, ext []string, answer func(conn int, verb string) (reply string, hangUp bool)) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var accepted atomic.Int64
	ehlo := strings.Join(append([]string{"250-mx.script.test", "250-PIPELINING"}, ext...), "\r\n") + "\r\n250 8BITMIME"
	serve := func(c net.Conn, n int) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		say := func(s string) { c.Write([]byte(s + "\r\n")) }
		say("220 mx.script.test ESMTP")
		inData, mail, rcpts := false, false, 0
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if inData {
				if l == ".\r\n" {
					inData = false
					accepted.Add(1)
					say("250 2.0.0 OK queued")
				}
				continue
			}
			verb := strings.ToUpper(strings.TrimSpace(l))
			if reply, hangUp := answer(n, verb); reply != "" {
				say(reply)
				if hangUp {
					return
				}
				continue
			}
			switch {
			case strings.HasPrefix(verb, "EHLO"):
				say(ehlo)
			case strings.HasPrefix(verb, "MAIL"):
				mail, rcpts = true, 0
				say("250 2.1.0 OK")
			case strings.HasPrefix(verb, "RCPT") && !mail:
				say("503 5.5.1 MAIL first")
			case strings.HasPrefix(verb, "RCPT"):
				rcpts++
				say("250 2.1.5 OK")
			case verb == "DATA" && rcpts == 0:
				say("503 5.5.1 RCPT first")
			case verb == "DATA":
				inData, mail, rcpts = true, false, 0
				say("354 Go ahead")
			case verb == "RSET":
				mail, rcpts = false, 0
				say("250 2.0.0 OK")
			case verb == "QUIT":
				say("221 2.0.0 closing connection")
				return
			default:
				say("250 2.0.0 OK")
			}
		}
	}
	go func() {
		for n := 1; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c, n)
		}
	}()
	return ln.Addr().String(), &accepted
}

// brokenTLSServer is an SMTP server that offers STARTTLS and breaks every
// handshake (it closes the connection after its 220 to STARTTLS: a TLS
// terminator that fails, a protocol version neither side shares) and,
// while requireTLS holds, answers MAIL FROM on a session without TLS
// with Gmail's "530 5.7.0 Must issue a STARTTLS command first" (RFC 3207
// 4: the reply a server that requires TLS gives to every command but
// NOOP, EHLO, STARTTLS and QUIT). Once requireTLS is cleared it takes
// mail in clear.
func brokenTLSServer(t *testing.T, requireTLS *atomic.Bool) (string, *atomic.Int64) {
	return scriptedServer(t, []string{"250-STARTTLS"}, func(_ int, verb string) (string, bool) {
		switch {
		case verb == "STARTTLS":
			return "220 2.0.0 Ready to start TLS", true // the handshake fails
		case strings.HasPrefix(verb, "MAIL") && requireTLS.Load():
			return "530 5.7.0 Must issue a STARTTLS command first", false
		}
		return "", false
	})
}

// A destination that requires TLS and whose TLS handshake fails: with
// opportunistic TLS wasmta tries again in clear (as Postfix does at
// security level "may"), and the server answers MAIL FROM with "530 5.7.0
// Must issue a STARTTLS command first". The reply is about the session
// (RFC 3207 4: it comes to every command of a session without TLS), not
// the message: the mail is deferred on the path's schedule, not bounced,
// and delivered once the destination takes it.
func TestStartTLSRequiredOnAClearSessionDefers(t *testing.T) {
	t.Parallel()
	const n = 3
	var requireTLS atomic.Bool
	requireTLS.Store(true)
	srv, accepted := brokenTLSServer(t, &requireTLS)
	shape := hourSchedule(2, 20)
	shape.RetryInitial, shape.RetryMax = time.Second, 2*time.Second
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: shape})
	_, rec, addr := testEngine(t, "[[route]]\ndomain = \"*\"\nhosts = [\""+srv+"\"]\n[queue]\nretry_jitter = 0.0\n",
		Options{Registry: reg})
	sendN(t, addr, n)
	failedEach(t, rec, n, 10*time.Second)
	if b := rec.Count(events.Bounce); b > 0 {
		r := rec.All(events.Bounce)[0]
		t.Fatalf("%d of %d bounced (%s: %d %s %s): a session without TLS was taken for a verdict on the messages",
			b, n, r.Category, r.Response.Code, r.Response.Enhanced, r.Response.Text)
	}
	for _, r := range rec.All(events.TransientFailure) {
		if r.Category != policy.CategoryTLSFailure {
			t.Errorf("deferred as %q, want %q", r.Category, policy.CategoryTLSFailure)
		}
	}
	requireTLS.Store(false)
	rec.WaitFor(t, events.Delivery, n, 10*time.Second)
	if got := accepted.Load(); got != n {
		t.Errorf("the server accepted %d messages, want %d", got, n)
	}
}

// A destination that advertises SIZE below the message's size (RFC 1870):
// the message is refused before MAIL FROM with "552 5.3.4" and bounced, as
// Postfix does, without sending it to be refused at the end of DATA.
func TestAdvertisedSizeBelowTheMessageBouncesWithoutSending(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{MaxSize: 2000})
	_, rec, addr := sinkEngine(t, sink, hourSchedule(2, 20))
	send(t, addr, "s@sender.test", []string{"big@example.test"}, testBody(1)+strings.Repeat(strings.Repeat("x", 70)+"\r\n", 80))
	rec.WaitFor(t, events.Bounce, 1, 10*time.Second)
	if r := rec.All(events.Bounce)[0]; r.Response.Code != 552 || r.Response.Enhanced != "5.3.4" {
		t.Errorf("bounced with %d %s %q, want 552 5.3.4", r.Response.Code, r.Response.Enhanced, r.Response.Text)
	}
	if m := sink.Stage(testsink.StageMail); m > 0 {
		t.Errorf("%d MAIL FROM sent for a message the server's SIZE refuses", m)
	}
}

// A first MX that answers EHLO with "421 4.7.0 Too many connections,
// closing": a refused connection, not a verdict; no HELO after it (a 421
// closes the channel, RFC 5321 3.8), the next host of the set takes the
// mail, nothing is deferred.
func TestFourTwentyOneToEHLOTriesTheNextHost(t *testing.T) {
	t.Parallel()
	const n = 5
	bad := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		if stage == testsink.StageHelo {
			return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Too many connections, closing"}
		}
		return nil
	}})
	good := testsink.Start(t, testsink.Options{})
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: hourSchedule(2, 20)})
	_, rec, addr := testEngine(t, fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%q, %q]\n", bad.Addr(), good.Addr()),
		Options{Registry: reg})
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 10*time.Second)
	if d := rec.Count(events.TransientFailure); d > 0 {
		t.Errorf("%d deferrals while the second host took mail", d)
	}
	if got := good.Count(); got != n {
		t.Errorf("the second host got %d messages, want %d", got, n)
	}
	if m := bad.Stage(testsink.StageMail); m > 0 {
		t.Errorf("%d MAIL FROM on sessions whose EHLO got a 421", m)
	}
}

// postgrey's greylisting as Postfix gives it: "450 4.2.0 <rcpt>: Recipient
// address rejected: Greylisted, see http://postgrey.schweikert.ch/help/
// example.test.html", which names the greylist but states no delay. The
// message is retried after postgrey's default delay (300 s) and a margin,
// as a Postfix sender comes back after its minimal_backoff_time (300 s),
// not after the path's retry schedule (20 minutes by default, an hour
// here); not a throttle.
func TestGreylistWithoutAStatedDelayIsRetriedAfterFiveMinutes(t *testing.T) {
	t.Parallel()
	const n = 4
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, arg string, _ int) *smtp.SMTPError {
		if stage != testsink.StageRcpt {
			return nil
		}
		return &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 0},
			Message: arg + ": Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.test.html"}
	}})
	e, rec, addr := sinkEngine(t, sink, hourSchedule(2, 20))
	sendN(t, addr, n)
	rec.WaitFor(t, events.TransientFailure, n, 10*time.Second)
	for _, r := range rec.All(events.TransientFailure) {
		if wait := r.NextAttempt.Sub(r.Time); wait < 5*time.Minute || wait > 6*time.Minute {
			t.Errorf("%s greylisted, retried %v later, want about 5.5 minutes (postgrey's 300 s and a margin)",
				r.Recipient, wait.Round(time.Second))
		}
	}
	if l := learnedOf(t, e); l.LearnedRate < l.ConfiguredRate {
		t.Errorf("learned rate %.1f below the preset %.1f: greylisting was read as a throttle", l.LearnedRate, l.ConfiguredRate)
	}
}

// Postfix's postscreen with its after-220 tests on (pipelining,
// non-SMTP command, bare newline: POSTSCREEN_README) cannot hand a
// client that passed them to the real smtpd in the middle of the
// session: it answers every RCPT TO of that first connection with "450
// 4.3.2 Service currently unavailable" and lets the next connection
// through. X.3.2 is "system not accepting network messages" (RFC 3463):
// about the session, not the message. The session ends and the mail goes
// out on a new one at the path's pace, not a minute later per message
// (an unexplained 4xx alone), and no rate is cut.
func TestPostscreenAfter220TestsRetrySoonOnANewConnection(t *testing.T) {
	t.Parallel()
	const n = 6
	srv, accepted := scriptedServer(t, nil, func(conn int, verb string) (string, bool) {
		if conn == 1 && strings.HasPrefix(verb, "RCPT") {
			return "450 4.3.2 Service currently unavailable", false
		}
		return "", false
	})
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: hourSchedule(1, 20)})
	e, rec, addr := testEngine(t, "[[route]]\ndomain = \"*\"\nhosts = [\""+srv+"\"]\n[queue]\nretry_jitter = 0.0\n",
		Options{Registry: reg})
	t0 := time.Now()
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 20*time.Second)
	deferred := rec.Count(events.TransientFailure)
	t.Logf("%d delivered in %v after %d deferrals on the first connection", n, time.Since(t0).Round(100*time.Millisecond), deferred)
	if deferred == 0 {
		t.Fatal("no deferral: the server never refused")
	}
	if got := accepted.Load(); got != n {
		t.Errorf("the server accepted %d messages, want %d", got, n)
	}
	if l := learnedOf(t, e); l.LearnedRate < l.ConfiguredRate {
		t.Errorf("learned rate %.1f below the preset %.1f: a session refusal was read as a throttle", l.LearnedRate, l.ConfiguredRate)
	}
}
