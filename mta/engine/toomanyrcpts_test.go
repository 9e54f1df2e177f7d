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
