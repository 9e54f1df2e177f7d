package engine

import (
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
)

// A deferral with a path cause (a throttle, a classification that asks
// for traffic control) is retried after the queue's retry_throttled (here
// 3 s, not its default 5 s: the setting is the one read) at the path's
// pace, not after the path's retry_initial. A 4xx about the message keeps
// the retry schedule.
func TestThrottledMessageIsNotParkedForTheRetrySchedule(t *testing.T) {
	t.Parallel()
	const retryThrottled = 3 * time.Second
	for _, tc := range []struct {
		name     string
		classify policy.Classification
		want     time.Duration
	}{
		{"rate halved on the path", policy.Classification{Category: policy.CategoryRateLimited,
			Scope: policy.ScopePath, RateFactor: 0.5, Duration: time.Hour, Threshold: 5, Window: time.Minute}, retryThrottled},
		{"path suspended", policy.Classification{Category: policy.CategoryRateLimited,
			Scope: policy.ScopePath, Suspend: true, Duration: time.Hour}, retryThrottled},
		{"throttle without an action", policy.Classification{Category: policy.CategoryRateLimited}, retryThrottled},
		{"a 4xx about the message", policy.Classification{Category: policy.CategoryQuotaIssues}, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
				if stage == testsink.StageMail {
					return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 28}, Message: "unusual rate"}
				}
				return nil
			}})
			reg := &swapRegistry{}
			reg.p.Store(&scriptedPolicy{version: "v1", classify: tc.classify})
			_, rec, addr := testEngine(t, routeTo(sink)+"[queue]\nretry_initial = \"1h\"\nretry_jitter = 0.0\nretry_throttled = \"3s\"\n", Options{Registry: reg})
			send(t, addr, "s@sender.test", []string{"r@example.test"}, testBody(1))
			rec.WaitFor(t, events.TransientFailure, 1, 5*time.Second)
			tf := rec.All(events.TransientFailure)[0]
			if tf.NextAttempt == nil {
				t.Fatalf("TransientFailure without a next attempt: %+v", tf)
			}
			// The record's time is taken right after the next attempt is
			// computed: the gap is the delay, less a moment.
			if d := tf.NextAttempt.Sub(tf.Time); d > tc.want || d < tc.want-time.Second {
				t.Fatalf("next attempt %v after the deferral, want %v", d, tc.want)
			}
		})
	}
}

// A 4xx reputation reply is the path's throttle signal when it meters
// (Outlook.com's 451 4.7.650), not when the classifier bounces it:
// Yahoo's [TSS09] says a retry will not succeed, and the built-in
// classifier bounces it (sdk/go/bounce); a lower rate lifts no block.
func TestBouncedReputationDeferralIsNoThrottle(t *testing.T) {
	for _, tc := range []struct {
		name     string
		code     int
		enhanced string
		text     string
		throttle bool
	}{
		{"outlook 451 4.7.650 meter", 451, "4.7.650", "The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation.", true},
		{"yahoo 421 [TSS09] block", 421, "4.7.0", "[TSS09] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, rule := policy.ClassifyRule(&policy.ClassifyInput{Code: tc.code, Enhanced: tc.enhanced, Text: tc.text})
			if c.Category != policy.CategoryReputationBlock {
				t.Fatalf("built-in category %s (%s), want ReputationBlock", c.Category, rule)
			}
			resp := message.Response{Code: tc.code, Enhanced: tc.enhanced, Text: tc.text}
			if got := throttleSignal(c, resp); got != tc.throttle {
				t.Fatalf("throttleSignal = %v (action %v), want %v", got, c.Action, tc.throttle)
			}
		})
	}
}
