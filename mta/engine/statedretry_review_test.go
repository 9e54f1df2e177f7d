package engine

import (
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
)

// A destination that answers every attempt with "try again in 1 second"
// is taken at its word for the first attempts only: then the message
// waits for the retry schedule, not two seconds, again and again until
// it expires.
func TestStatedDelayIsNotARetryLoop(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		if stage != testsink.StageRcpt {
			return nil
		}
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
			Message: "Greylisted, please try again in 1 seconds"}
	}})
	_, rec, addr := sinkEngine(t, sink, hourSchedule(1, 10))
	sendN(t, addr, 1)
	rec.WaitFor(t, events.TransientFailure, statedRetryAttempts, 30*time.Second)
	for i, r := range rec.All(events.TransientFailure) {
		wait := r.NextAttempt.Sub(r.Time)
		t.Logf("deferral %d: next attempt in %v", i+1, wait.Round(100*time.Millisecond))
		if i+1 < statedRetryAttempts && wait > time.Minute {
			t.Errorf("deferral %d waits %v: the stated delay was not taken", i+1, wait)
		}
		if i+1 >= statedRetryAttempts && wait < 30*time.Minute {
			t.Errorf("deferral %d waits %v: the stated delay is taken again and again, not the schedule", i+1, wait)
		}
	}
}
