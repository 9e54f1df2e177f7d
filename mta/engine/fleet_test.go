package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/fleet/fleettest"
	"github.com/wasmta/wasmta/mta/suppress"
)

func clusterSection(node, redis string) string {
	return fmt.Sprintf("[cluster]\nnode = %q\nredis = [%q]\nheartbeat = \"200ms\"\nnode_ttl = \"2s\"\n", node, redis)
}

// TestFleetSuppression: a suppression entry added on node B refuses the
// recipient at RCPT on node A within a second; removed on A, B accepts it
// again.
func TestFleetSuppression(t *testing.T) {
	r := fleettest.Start(t)
	sink := testsink.Start(t, testsink.Options{})
	a, _, addrA := testEngine(t, clusterSection("a", r.Addr)+feedbackConfig(t, routeTo(sink)), Options{})
	b, _, addrB := testEngine(t, clusterSection("b", r.Addr)+feedbackConfig(t, routeTo(sink)), Options{})
	if _, err := b.Suppressions().Add(suppress.Entry{Tenant: "acme", Recipient: "gone@x.example",
		Reason: suppress.ReasonComplaint}, time.Now()); err != nil {
		t.Fatal(err)
	}
	took := waitRcpt(t, addrA, 550, time.Second)
	t.Logf("refused on A %v after the entry was added on B", took)
	if _, err := a.Suppressions().Remove("acme", "gone@x.example"); err != nil {
		t.Fatal(err)
	}
	waitRcpt(t, addrB, 250, time.Second)
}

// waitRcpt polls RCPT TO:<gone@x.example> as acme until it gets code.
func waitRcpt(t *testing.T, addr string, code int, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got := rcptCode(t, addr)
		if got == code {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("RCPT on %s still answers %d after %v, want %d", addr, got, within, code)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func rcptCode(t *testing.T, addr string) int {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Hello("client.test")
	if err := c.Auth(sasl.NewPlainClient("", "acme", "pw")); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("s@acme.test", nil); err != nil {
		t.Fatal(err)
	}
	err = c.Rcpt("gone@x.example", nil)
	if se, ok := err.(*smtp.SMTPError); ok {
		return se.Code
	}
	if err != nil {
		t.Fatal(err)
	}
	return 250
}
