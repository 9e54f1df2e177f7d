package egress

import (
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/mx"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/queue"
)

// TestEnqueueMergesOneMessage: two domains of one message that reach the
// same path while waiting become one job, so one transaction carries all
// their recipients; another message stays a job of its own. The path is
// suspended so that no connection takes a job in between.
func TestEnqueueMergesOneMessage(t *testing.T) {
	s := newTestSet(t, newOutcomes(), Options{})
	p := testPath(s, mx.Host{Name: "nowhere.test"}, policy.Shape{MaxConnections: 1})
	p.Suspend(time.Now().Add(time.Hour))

	m := &message.Message{ID: message.NewID(time.Now()), Sender: "s@sender.test", ReceivedAt: time.Now(),
		Recipients: []message.Recipient{{Addr: "a@one.test"}, {Addr: "b@two.test"}, {Addr: "c@one.test"}}}
	p.Enqueue(&Job{Msg: m, Items: []*queue.Item{queue.NewItem(m.ID, []uint16{0, 2}, 0, time.Now())},
		Queue: message.QueueKey{Domain: "one.test"}})
	p.Enqueue(&Job{Msg: m, Items: []*queue.Item{queue.NewItem(m.ID, []uint16{1}, 0, time.Now())},
		Queue: message.QueueKey{Domain: "two.test"}})
	p.Enqueue(testJob(9))

	if p.Len() != 2 {
		t.Fatalf("%d jobs waiting, want 2 (one per message)", p.Len())
	}
	jobs := p.Suspend(time.Now().Add(time.Hour))
	got := jobs[0].Rcpts()
	if len(got) != 3 || got[0] != "a@one.test" || got[1] != "c@one.test" || got[2] != "b@two.test" {
		t.Fatalf("merged job carries %v, want all three recipients of the message", got)
	}
}
