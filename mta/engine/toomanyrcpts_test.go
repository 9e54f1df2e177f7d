package engine

import (
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
)

// A destination that answers even the first RCPT of a transaction with
// "452 4.5.3 too many recipients" (a limit of none, or a recipient rate
// dressed as one): another transaction at once would meet the same
// refusal, so the recipients keep the retry schedule instead of coming
// back at the path's pace until they expire.
func TestTooManyRecipientsOnTheFirstKeepsTheSchedule(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		if stage == testsink.StageRcpt {
			return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 5, 3}, Message: "Too many recipients"}
		}
		return nil
	}})
	_, rec, addr := sinkEngine(t, sink, hourSchedule(1, 20))
	send(t, addr, "s@sender.test", []string{"r0@example.test", "r1@example.test"}, testBody(0))
	rec.WaitFor(t, events.TransientFailure, 2, 10*time.Second)
	for _, r := range rec.All(events.TransientFailure) {
		if r.NextAttempt == nil || time.Until(*r.NextAttempt) < 30*time.Minute {
			t.Errorf("%s (%s, nothing accepted) retried at %v: at once, the same refusal again", r.Recipient, r.Category, r.NextAttempt)
		}
	}
}

// A destination that takes the first recipient, refuses the second with
// "452 4.5.3 too many recipients" and then refuses the data with a 4xx:
// the transaction took a recipient, so the refused one goes out again
// soon in another transaction, whatever became of the data.
func TestTooManyRecipientsAfterARefusedDataGoesSoon(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, arg string, n int) *smtp.SMTPError {
		switch {
		case stage == testsink.StageRcpt && n == 2:
			return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 5, 3}, Message: "Too many recipients"}
		case stage == testsink.StageData && n == 1:
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary local problem"}
		}
		return nil
	}})
	_, rec, addr := sinkEngine(t, sink, hourSchedule(1, 20))
	send(t, addr, "s@sender.test", []string{"r0@example.test", "r1@example.test"}, testBody(0))
	waitFor(t, 20*time.Second, "r1 delivered (with the hour-long schedule it would wait an hour)", func() bool {
		for _, r := range rec.All(events.Delivery) {
			if r.Recipient == "r1@example.test" {
				return true
			}
		}
		return false
	})
}
