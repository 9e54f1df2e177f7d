package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

// Provider behaviours after the final dot (round 11 of issue 11's provider
// behaviours), against a real SMTP server on loopback.

// A server that takes its time to answer the final dot (a content filter,
// or a tarpit after the message): RFC 5321 4.5.3.2.6 has the client wait
// 10 minutes for that reply, longer than for any command (4.5.3.2.1-5:
// 5 minutes, 3 for a data block), since the server may be processing
// the message. The reply is waited for up to the path's data_timeout, not
// its command_timeout: a client that gave up sooner would retry a message
// the server then accepts, and deliver it twice (RFC 1047).
func TestSlowReplyToTheDotIsWaitedFor(t *testing.T) {
	const n = 4
	sink := testsink.Start(t, testsink.Options{Delay: map[string]time.Duration{testsink.StageData: 1500 * time.Millisecond}})
	shape := hourSchedule(2, 20)
	shape.CommandTimeout, shape.DataTimeout = 500*time.Millisecond, 20*time.Second
	_, rec, addr := sinkEngine(t, sink, shape)
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 30*time.Second)
	if got := deliveredOnce(t, sink); len(got) != n || sink.Count() != n {
		t.Fatalf("%d recipients in %d messages, want %d once each", len(got), sink.Count(), n)
	}
	if d := rec.Count(events.TransientFailure); d > 0 {
		t.Fatalf("%d deferrals: a slow reply to the dot was given up on: %+v", d, rec.All(events.TransientFailure)[0].Response)
	}
}

// A connection lost after the whole message went out and before the
// server's reply to the dot (RFC 1047: the server may have delivered it):
// the message is retried (a duplicate is better than a loss, RFC 5321 6.1)
// and the deferral's record says the outcome was not known, both for a
// connection reset and for a reply that never came within data_timeout.
// The server that delivered it late gets it twice: that is the cost
// RFC 1047 describes, which the record lets an operator see.
func TestConnectionLostAfterTheDotIsRecordedAsPerhapsDelivered(t *testing.T) {
	for _, c := range []struct {
		name  string
		opts  testsink.Options
		shape func(*policy.Shape)
	}{
		{"reset", testsink.Options{Respond: func(stage, _ string, k int) *smtp.SMTPError {
			if stage == testsink.StageData && k == 1 {
				return testsink.ResetConn
			}
			return nil
		}}, func(*policy.Shape) {}},
		{"no reply within data_timeout", testsink.Options{Respond: func(stage, _ string, k int) *smtp.SMTPError {
			if stage == testsink.StageData && k == 1 {
				time.Sleep(1500 * time.Millisecond)
			}
			return nil
		}}, func(s *policy.Shape) { s.DataTimeout = 500 * time.Millisecond }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // with each other only: the test is not parallel
			sink := testsink.Start(t, c.opts)
			shape := hourSchedule(1, 20)
			c.shape(&shape)
			_, rec, addr := sinkEngine(t, sink, shape)
			sendN(t, addr, 1)
			rec.WaitFor(t, events.Delivery, 1, 30*time.Second)
			d := rec.All(events.TransientFailure)
			if len(d) != 1 {
				t.Fatalf("%d deferrals, want 1", len(d))
			}
			if r := d[0]; r.Response == nil || !strings.Contains(r.Response.Text, "may have been delivered") {
				t.Errorf("deferral recorded as %+v: it does not say the message may have been delivered", r.Response)
			}
			if !d[0].MaybeDelivered {
				t.Error("the deferral's record is not marked maybe_delivered (until 2026-12 its text was the only mark)")
			}
			if n := len(rec.All(events.Delivery)); n != 1 || rec.All(events.Delivery)[0].MaybeDelivered {
				t.Errorf("%d deliveries, or the delivery marked maybe_delivered: only the failed attempt is", n)
			}
			if wait := d[0].NextAttempt.Sub(d[0].Time); wait > time.Minute {
				t.Errorf("retried in %v, want soon (the connection's failure is the path's)", wait.Round(time.Second))
			}
		})
	}
}
