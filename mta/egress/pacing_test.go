package egress

import (
	"context"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/mta/policy"
)

// A path paced below its destination's rate is not refused by a
// destination whose bucket is one message deep, also when its sessions end
// every few messages and the next one dials again: the token of a message
// that opens a session is taken once the session is up, so that no two
// transactions reach the destination closer than 1/rate apart. (With the
// token taken before the dial, a slow greeting put a new session's first
// transaction next to the following one of a session already open: here
// 2 msg/s against 4 msg/s one message deep, with a greeting of 0.4 s, 0.1 s
// apart.) The
// rate is the path's own (adapt_off), so only the spacing is tested.
func TestPacedAtTheTransactionNotBeforeTheDial(t *testing.T) {
	for _, tc := range []struct {
		name    string
		perConn int
	}{
		{"sessions that end every two messages", 2},
		{"a session per message", 1},
		{"sessions kept open", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 16
			sim, err := providersim.Start(context.Background(), []providersim.Provider{{Name: "sink", Addr: "127.0.0.1:0",
				RatePerIP: 4, Burst: 1, ThrottleAt: providersim.StageRcpt,
				ThrottleReply: providersim.Reply{Code: 451, Enhanced: "4.7.1", Text: "Too many messages, slow down"},
				Latency: providersim.Latency{Banner: providersim.Delay{Fixed: 400 * time.Millisecond},
					DataEnd: providersim.Delay{Fixed: 20 * time.Millisecond}}}}, providersim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sim.Close() })
			out := newOutcomes()
			s := newTestSet(t, out, Options{})
			p := testPath(s, hostAt(t, sim.Addr("sink")), policy.Shape{MaxConnections: 2, MessagesPerSecond: 2,
				MessageBurst: 1, MessagesPerConn: tc.perConn, Adapt: policy.Adaptation{Off: true}})
			enqueue(p, n)
			out.waitDone(t, n, 60*time.Second)
			ok, failed := out.count()
			st := ipStats(sim)
			t.Logf("%d delivered, %d refused; the destination throttled %d, %d sessions", ok, failed, st.Throttled, st.ConnsOpened)
			if st.Throttled != 0 || ok != n {
				t.Fatalf("the destination throttled %d and %d of %d were delivered, want none throttled: the path sent below its rate",
					st.Throttled, ok, n)
			}
		})
	}
}
