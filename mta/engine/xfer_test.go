package engine

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/fleet"
	"github.com/wasmta/wasmta/mta/fleet/fleettest"
	"github.com/wasmta/wasmta/mta/message"
)

// TestXfer: node a cannot reach the destination and holds 10 messages;
// moved to node b, they leave a's queue with a Transfer record per
// recipient and reach the destination from b under the same ids,
// tenants and campaigns, without the transfer header. A transfer header
// not signed by the fleet is refused.
func TestXfer(t *testing.T) {
	t.Parallel()
	r := fleettest.Start(t)
	sink := testsink.Start(t, testsink.Options{})
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close() // connections refused: a's mail stays queued
	a, recA, addrA := testEngine(t, clusterSection("a", r.Addr)+fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%q]\n", deadAddr), Options{})
	_, recB, addrB := testEngine(t, clusterSection("b", r.Addr)+routeTo(sink), Options{})
	const n = 10
	for i := range n {
		send(t, addrA, "a@sender.test", []string{fmt.Sprintf("r%d@example.test", i), fmt.Sprintf("s%d@example.test", i)}, testBody(i))
	}
	// Generous: a wait that succeeds returns at once, and on 2 CPUs with the
	// other parallel tests a refused dial per recipient took over 10 s.
	recA.WaitFor(t, events.TransientFailure, 2*n, 45*time.Second)
	waitFor(t, 30*time.Second, "b in a's view of the fleet", func() bool {
		nodes, _ := a.Fleet().Nodes(t.Context())
		for _, nd := range nodes {
			if nd.Node == "b" && nd.SMTP == addrB {
				return true
			}
		}
		return false
	})
	res, err := a.Xfer(t.Context(), "b", message.Selector{})
	if err != nil || res.Messages != n || res.Rcpts != 2*n || res.Failed != 0 {
		t.Fatalf("Xfer: %+v, %v", res, err)
	}
	recA.WaitFor(t, events.Transfer, 2*n, 30*time.Second)
	waitSink(t, sink, n, 30*time.Second)
	ids := map[string]bool{}
	for _, rec := range recA.All(events.Reception) {
		ids[rec.ID] = true
	}
	for _, rec := range recB.All(events.Reception) {
		if !ids[rec.ID] || rec.Meta["xfer_from"] != "a" {
			t.Errorf("reception on b: id %s (known on a: %v), meta %v", rec.ID, ids[rec.ID], rec.Meta)
		}
	}
	for _, m := range sink.Messages() {
		if strings.Contains(string(m.Data), "X-Wasmta-Xfer") {
			t.Errorf("the transfer header reached the destination:\n%s", m.Data)
		}
	}
	if got := a.ScheduledByTenant(); len(got) != 0 {
		t.Errorf("a still holds %v", got)
	}
	// A forged header: refused, and nothing spooled.
	err = trySend(addrB, "a@sender.test", []string{"x@example.test"},
		"X-Wasmta-Xfer: eyJmcm9tIjoiYSJ9.AAAA\r\n"+testBody(99))
	if code, _ := smtpCode(err); code != 550 {
		t.Errorf("forged transfer header: %v, want 550", err)
	}
	// A signed header is bound to its envelope and body: on other
	// recipients or another text it is refused; the same transfer again
	// (a sender that lost the reply, or a replay) is answered 250 and
	// spooled once.
	body, rcpts := testBody(98), []string{"y@example.test"}
	hdr, err := a.Fleet().SignXfer(t.Context(), fleet.Xfer{ID: message.NewID(time.Now()).String(),
		Received: time.Now(), Digest: fleet.XferDigest("a@sender.test", rcpts, []byte(body))})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		rcpts []string
		body  string
		code  int
	}{
		{[]string{"other@example.test"}, body, 550},
		{rcpts, testBody(97), 550},
		{rcpts, body, 250},
		{rcpts, body, 250},
	} {
		err := trySend(addrB, "a@sender.test", c.rcpts, fleet.XferHeader+": "+hdr+"\r\n"+c.body)
		if code, _ := smtpCode(err); err != nil && code != c.code || err == nil && c.code != 250 {
			t.Errorf("signed header to %v: %v, want %d", c.rcpts, err, c.code)
		}
	}
	waitSink(t, sink, n+1, 10*time.Second)
	time.Sleep(200 * time.Millisecond) // a second copy would be spooled by now
	if got := len(recB.All(events.Reception)); got != n+1 {
		t.Errorf("b has %d Reception records, want %d (the repeated transfer spooled once)", got, n+1)
	}
}
