package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/rates"
)

// Provider behaviours about one mailbox, not the path (round 11 of
// issue 11's provider behaviours), against a real SMTP server on loopback.

// gmailReceivingRate is Gmail's reply to a recipient whose mailbox
// receives more than its per-user limit (Google's "SMTP errors and reply
// codes", 450 4.2.1; the same words come with 550 5.2.1).
const gmailReceivingRate = "The user you are trying to contact is receiving mail at a rate that prevents " +
	"additional messages from being delivered. Please resend your message at a later time. If the user is " +
	"able to receive mail at that time, your message will be delivered."

// A mailbox that receives too much mail (Gmail's "450 4.2.1 The user you
// are trying to contact is receiving mail at a rate ..."; Exchange
// Online's 5.2.121/5.2.122 per-recipient hourly limits): a limit of that
// one mailbox (RFC 3463's subject 2, mailbox status), not of the path.
// Its recipient is deferred, waits a minute (doubling) rather than the
// throttle's 5 s, and the path's rate is not cut: the other recipients,
// in the same transactions and in others, go on at the path's pace.
//
// Gmail sends it over several lines, the code on each (RFC 2034); a
// server built on go-smtp gives the code on the last line only, which
// must be read too (until 2026-12 the code was taken from the first line
// alone, and the reply read as the path's throttle).
func TestMailboxReceivingRateDefersOnlyThatRecipient(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		err  smtp.SMTPError
	}{
		{"one line", smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 1}, Message: gmailReceivingRate}},
		{"code on the last line only", smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 1},
			Message: strings.Replace(gmailReceivingRate, " Please resend", "\nPlease resend", 1)}},
		// the 5xx form is retried too (the classifier's RateLimited)
		{"550 5.2.1", smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 2, 1}, Message: gmailReceivingRate}},
	} {
		t.Run(c.name, func(t *testing.T) { mailboxReceivingRate(t, c.err) })
	}
}

func mailboxReceivingRate(t *testing.T, refusal smtp.SMTPError) {
	const plain, shared = 24, 6
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, arg string, _ int) *smtp.SMTPError {
		if stage == testsink.StageRcpt && strings.Contains(arg, "busy@") {
			return &refusal
		}
		return nil
	}})
	e, rec, addr := sinkEngine(t, sink, hourSchedule(2, 20))
	for i := range plain + shared {
		to := []string{fmt.Sprintf("r%d@example.test", i)}
		if i%5 == 0 && i/5 < shared {
			to = append([]string{"busy@example.test"}, to...)
		}
		send(t, addr, "s@sender.test", to, testBody(i))
	}
	rec.WaitFor(t, events.Delivery, plain+shared, 30*time.Second)
	rec.WaitFor(t, events.TransientFailure, shared, 10*time.Second)
	got := deliveredOnce(t, sink)
	if got["busy@example.test"] > 0 || len(got) != plain+shared {
		t.Fatalf("delivered %d recipients (busy %d times), want the %d others", len(got), got["busy@example.test"], plain+shared)
	}
	for _, r := range rec.All(events.TransientFailure) {
		if r.Recipient != "busy@example.test" {
			t.Errorf("%s deferred: %+v", r.Recipient, r.Response)
			continue
		}
		if want := fmt.Sprintf("%d.%d.%d", refusal.EnhancedCode[0], refusal.EnhancedCode[1], refusal.EnhancedCode[2]); r.Response.Enhanced != want {
			t.Errorf("recorded enhanced code %q, want %s", r.Response.Enhanced, want)
		}
		wait := r.NextAttempt.Sub(r.Time)
		if wait < 50*time.Second || wait > time.Hour {
			t.Errorf("the busy mailbox's retry in %v, want about a minute (not a throttle's seconds, nor the schedule's hour)", wait.Round(time.Second))
		}
		if r.Category != policy.CategoryRateLimited {
			t.Errorf("category %s, want RateLimited (the cause stays named)", r.Category)
		}
	}
	if l := learnedOf(t, e); l.LearnedRate < l.ConfiguredRate {
		t.Errorf("learned rate %.1f below the preset %.1f: one mailbox's limit cut the path", l.LearnedRate, l.ConfiguredRate)
	}
	if n := throttledCount(e); n > 0 {
		t.Errorf("%d throttles counted for the path: one mailbox's limit is not the path's", n)
	}
}

// throttledCount is the number of deferrals the engine's rate counter
// counted as throttles, every provider together.
func throttledCount(e *Engine) int64 {
	var n int64
	for _, s := range e.Rates().Snapshot(rates.ByProvider).Series {
		n += s.Totals[rates.Throttled]
	}
	return n
}

// A full mailbox (Gmail's "452 4.2.2 The email account that you tried to
// reach is over quota", RFC 3463's X.2.2 "mailbox full"): a 4xx about the
// message's recipient, not the path. It keeps the message's retry
// schedule (not the throttle's seconds), cuts no rate and counts as no
// throttle; the permanent form ("552 5.2.2", RFC 5321's 552 "exceeded
// storage allocation") bounces that recipient at once with its own reply;
// the other recipients of the same transactions are delivered once.
func TestMailboxFullKeepsTheScheduleAndItsPermanentFormBounces(t *testing.T) {
	t.Parallel()
	const n = 12
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, arg string, _ int) *smtp.SMTPError {
		switch {
		case stage != testsink.StageRcpt:
		case strings.Contains(arg, "full@"):
			return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2},
				Message: "The email account that you tried to reach is over quota. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp"}
		case strings.Contains(arg, "gone@"):
			return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 2, 2},
				Message: "The email account that you tried to reach is over quota and inactive. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm"}
		}
		return nil
	}})
	e, rec, addr := sinkEngine(t, sink, hourSchedule(2, 20))
	for i := range n {
		to := []string{fmt.Sprintf("r%d@example.test", i)}
		switch i % 4 {
		case 1:
			to = append(to, fmt.Sprintf("full@%d.example.test", i))
		case 3:
			to = append(to, fmt.Sprintf("gone@%d.example.test", i))
		}
		send(t, addr, "s@sender.test", to, testBody(i))
	}
	rec.WaitFor(t, events.Delivery, n, 30*time.Second)
	rec.WaitFor(t, events.TransientFailure, n/4, 10*time.Second)
	rec.WaitFor(t, events.Bounce, n/4, 10*time.Second)
	if got := deliveredOnce(t, sink); len(got) != n {
		t.Fatalf("%d recipients delivered, want %d", len(got), n)
	}
	for _, r := range rec.All(events.TransientFailure) {
		if !strings.HasPrefix(r.Recipient, "full@") || r.Category != policy.CategoryQuotaIssues {
			t.Errorf("%s deferred as %s: %+v", r.Recipient, r.Category, r.Response)
			continue
		}
		if wait := r.NextAttempt.Sub(r.Time); wait < 50*time.Minute {
			t.Errorf("a full mailbox retried in %v, want the schedule's hour", wait.Round(time.Second))
		}
	}
	for _, r := range rec.All(events.Bounce) {
		if !strings.HasPrefix(r.Recipient, "gone@") || r.Response.Code != 552 || r.Response.Enhanced != "5.2.2" {
			t.Errorf("%s bounced with %+v, want gone@ with its own 552 5.2.2", r.Recipient, r.Response)
		}
	}
	if l := learnedOf(t, e); l.LearnedRate < l.ConfiguredRate {
		t.Errorf("learned rate %.1f below the preset %.1f: full mailboxes cut the path", l.LearnedRate, l.ConfiguredRate)
	}
	if n := throttledCount(e); n > 0 {
		t.Errorf("%d throttles counted: a full mailbox is no throttle", n)
	}
}

// One recipient refused for good at RCPT ("550 5.1.1 The email account
// that you tried to reach does not exist", Gmail) among recipients the
// server accepts: a partial transaction (RFC 5321 3.3: the message goes to
// the accepted ones). The others are delivered once, in that transaction;
// the refused one bounces with its own reply, no retry of anybody.
func TestOneRecipientRefusedAtRcptTheOthersDeliveredOnce(t *testing.T) {
	t.Parallel()
	const n = 8
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, arg string, _ int) *smtp.SMTPError {
		if stage == testsink.StageRcpt && strings.Contains(arg, "nobody") {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
				Message: "The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces."}
		}
		return nil
	}})
	_, rec, addr := sinkEngine(t, sink, hourSchedule(2, 20))
	for i := range n {
		send(t, addr, "s@sender.test", []string{fmt.Sprintf("a%d@example.test", i),
			fmt.Sprintf("nobody%d@example.test", i), fmt.Sprintf("b%d@example.test", i)}, testBody(i))
	}
	rec.WaitFor(t, events.Delivery, 2*n, 30*time.Second)
	rec.WaitFor(t, events.Bounce, n, 10*time.Second)
	got := deliveredOnce(t, sink)
	if len(got) != 2*n || sink.Count() != n {
		t.Fatalf("%d recipients in %d messages, want %d in %d (one transaction each)", len(got), sink.Count(), 2*n, n)
	}
	for _, r := range rec.All(events.Bounce) {
		if !strings.HasPrefix(r.Recipient, "nobody") || r.Response.Code != 550 || r.Response.Enhanced != "5.1.1" ||
			r.Category != policy.CategoryInvalidRecipient {
			t.Errorf("%s bounced as %s with %+v, want nobody with its own 550 5.1.1", r.Recipient, r.Category, r.Response)
		}
	}
	if d := rec.Count(events.TransientFailure); d > 0 {
		t.Errorf("%d deferrals, want none", d)
	}
}
