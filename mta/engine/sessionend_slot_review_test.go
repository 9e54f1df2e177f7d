package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/mta/events"
)

// A message of several recipients refused at the MAIL FROM of a used
// session ("421 4.7.0 Try again later, closing connection", 684cb67)
// goes out again as one transaction, in one retry slot of the path's pace:
// a slot per recipient left all but one empty and pushed the next
// message's retry as many slots later.
func TestSessionEndAtMailTakesOneRetrySlot(t *testing.T) {
	t.Parallel()
	const msgs, per = 8, 4
	prov := providersim.Provider{MaxMsgsPerConn: 2,
		MsgsPerConnReply: providersim.Reply{Code: 421, Enhanced: "4.7.0", Close: true,
			Text: "Try again later, closing connection"},
		Latency: providersim.Latency{DataEnd: providersim.Delay{Fixed: 5 * time.Millisecond}}}
	_, rec, addr, _ := simEngine(t, prov, hourSchedule(1, 2))
	for i := range msgs {
		var rcpts []string
		for k := range per {
			rcpts = append(rcpts, fmt.Sprintf("r%d-%d@example.test", i, k))
		}
		send(t, addr, "s@sender.test", rcpts, testBody(i))
	}
	rec.WaitFor(t, events.Delivery, msgs*per, 60*time.Second)
	if rec.Count(events.TransientFailure) == 0 {
		t.Fatal("no message was refused at MAIL: the test's limit was never reached")
	}
	slot := map[string]time.Time{}
	for _, r := range rec.All(events.TransientFailure) {
		k := r.ID + fmt.Sprint(r.Attempts)
		if s, ok := slot[k]; ok && !s.Equal(*r.NextAttempt) {
			t.Errorf("%s refused at MAIL with the rest of its message due %v after another: a retry slot per recipient",
				r.Recipient, r.NextAttempt.Sub(s))
		}
		slot[k] = *r.NextAttempt
	}
}
