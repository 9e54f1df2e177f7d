package engine

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
)

// The recipients a transaction refused for its size ("452 4.5.3 Too many
// recipients" after two) go out again in one transaction, at one retry
// slot of the path's pace, as a throttled transaction's do (7dfb436): a
// slot per recipient left all but one empty, and pushed the paced retries
// of the messages after it as many slots later.
func TestTooManyRecipientsTakeOneRetrySlot(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	inTxn := 0 // recipients of the transaction under way (one connection)
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		mu.Lock()
		defer mu.Unlock()
		switch stage {
		case testsink.StageMail:
			inTxn = 0
		case testsink.StageRcpt:
			if inTxn++; inTxn > 2 {
				return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 5, 3}, Message: "Too many recipients"}
			}
		}
		return nil
	}})
	_, rec, addr := sinkEngine(t, sink, hourSchedule(1, 2))
	var rcpts []string
	for i := range 6 {
		rcpts = append(rcpts, fmt.Sprintf("r%d@example.test", i))
	}
	send(t, addr, "s@sender.test", rcpts, testBody(0))
	rec.WaitFor(t, events.Delivery, len(rcpts), 30*time.Second)
	slot := map[string]time.Time{}
	for _, r := range rec.All(events.TransientFailure) {
		if r.NextAttempt == nil {
			t.Fatalf("deferral of %s without a next attempt", r.Recipient)
		}
		k := r.ID + fmt.Sprint(r.Attempts)
		if s, ok := slot[k]; ok && !s.Equal(*r.NextAttempt) {
			t.Errorf("%s refused in the same transaction due %v after another: a retry slot per recipient",
				r.Recipient, r.NextAttempt.Sub(s))
		}
		slot[k] = *r.NextAttempt
	}
}
