package policy

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
)

// TestTenantPoliciesRouteToTheirSinks gives tenants a and b their own
// module, each routing to its own sink, and checks that no message of one
// tenant reaches the other's sink.
func TestTenantPoliciesRouteToTheirSinks(t *testing.T) {
	port := commonPort(t)
	sinkA := sinkAt(t, "127.0.0.2", port, testsink.Options{})
	sinkB := sinkAt(t, "127.0.0.3", port, testsink.Options{})
	w := startWorld(t, fmt.Sprintf("[delivery]\nport = %d\n", port))
	ctx := context.Background()
	if _, err := w.reg.Push(ctx, "a", buildPolicy(t, "127.0.0.2", "AA")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.reg.Push(ctx, "b", buildPolicy(t, "127.0.0.3", "BB")); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		for _, tn := range []string{"a", "b"} {
			if err := sendAs(tn, w.addr, []string{fmt.Sprintf("r%d@dest.test", i)}, body(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.rec.WaitFor(t, events.Delivery, 20, 10*time.Second)
	check := func(s *testsink.Sink, from, label string) {
		if s.Count() != 10 {
			t.Fatalf("sink of tenant %s got %d messages, want 10", from, s.Count())
		}
		for _, m := range s.Messages() {
			if m.From != "s@"+from+".test" || !strings.Contains(string(m.Data), "X-Policy: "+label) {
				t.Fatalf("sink of tenant %s got a message from %s with header block:\n%.300s", from, m.From, m.Data)
			}
		}
	}
	check(sinkA, "a", "LABEL-AA")
	check(sinkB, "b", "LABEL-BB")
}

// TestPolicyRejectsAtRcpt checks that the client sees the policy's own
// code, enhanced code and text.
func TestPolicyRejectsAtRcpt(t *testing.T) {
	w := startWorld(t, "")
	if _, err := w.reg.Push(context.Background(), "a", buildPolicy(t, "127.0.0.1", "RR")); err != nil {
		t.Fatal(err)
	}
	err := sendAs("a", w.addr, []string{"blocked@dest.test"}, body(1))
	serr, ok := err.(*smtp.SMTPError)
	if !ok || serr.Code != 550 || serr.EnhancedCode != (smtp.EnhancedCode{5, 7, 1}) ||
		serr.Message != "blocked by the LABEL-RR policy of a" {
		t.Fatalf("RCPT to a blocked recipient: %#v, want 550 5.7.1 from the policy", err)
	}
}

// TestClassifySuspendsThePath: the sink answers "slow down" once; the
// policy suspends the path for 2 s; nothing is attempted meanwhile and
// the message is delivered after.
func TestClassifySuspendsThePath(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, n int) *smtp.SMTPError {
		if stage == testsink.StageRcpt && n == 1 {
			return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "slow down please"}
		}
		return nil
	}})
	_, port, _ := strings.Cut(sink.Addr(), ":")
	w := startWorld(t, fmt.Sprintf("[delivery]\nport = %s\n[queue]\nretry_initial = \"100ms\"\nretry_jitter = 0.0\n", port))
	if _, err := w.reg.Push(context.Background(), "a", buildPolicy(t, "127.0.0.1", "SS")); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if err := sendAs("a", w.addr, []string{"r@dest.test"}, body(1)); err != nil {
		t.Fatal(err)
	}
	w.rec.WaitFor(t, events.Suspension, 1, 5*time.Second)
	conns := sink.Conns()
	time.Sleep(time.Second)
	if sink.Conns() != conns {
		t.Fatalf("%d new connections during the suspension", sink.Conns()-conns)
	}
	w.rec.WaitFor(t, events.Delivery, 1, 10*time.Second)
	if d := time.Since(t0); d < 2*time.Second {
		t.Fatalf("delivered %v after the first attempt, before the 2 s suspension ended", d)
	}
	s := w.rec.All(events.Suspension)[0]
	if s.Scope != "path" || s.Expires == nil || s.Category != "RateLimited" {
		t.Fatalf("Suspension record = %+v", s)
	}
}
