package engine

import (
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

// A deferral with a path cause (a throttle, a classification that asks
// for traffic control) is retried after throttleRetryBase at the path's
// pace, not after the path's retry_initial. A 4xx about the message keeps
// the retry schedule.
func TestThrottledMessageIsNotParkedForTheRetrySchedule(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		classify policy.Classification
		want     time.Duration
	}{
		{"rate halved on the path", policy.Classification{Category: policy.CategoryRateLimited,
			Scope: policy.ScopePath, RateFactor: 0.5, Duration: time.Hour, Threshold: 5, Window: time.Minute}, throttleRetryBase},
		{"path suspended", policy.Classification{Category: policy.CategoryRateLimited,
			Scope: policy.ScopePath, Suspend: true, Duration: time.Hour}, throttleRetryBase},
		{"throttle without an action", policy.Classification{Category: policy.CategoryRateLimited}, throttleRetryBase},
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
			_, rec, addr := testEngine(t, routeTo(sink)+"[queue]\nretry_initial = \"1h\"\nretry_jitter = 0.0\n", Options{Registry: reg})
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
