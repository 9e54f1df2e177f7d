package engine

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testdns"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
)

func routeTo(sink *testsink.Sink) string {
	return fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%q]\n", sink.Addr())
}

func TestRelayThroughStaticRoute(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	dir := t.TempDir()
	e, rec, addr := startAt(t, dir, routeTo(sink), Options{})
	const n = 50
	var wg sync.WaitGroup
	for c := 0; c < 5; c++ {
		wg.Go(func() {
			for i := c; i < n; i += 5 {
				send(t, addr, "a@sender.test", []string{fmt.Sprintf("r%d@example.test", i)}, testBody(i))
			}
		})
	}
	wg.Wait()
	if err := sink.WaitCount(waitCtx(t, 10*time.Second), n); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, events.Delivery, n, 5*time.Second)
	if got := rec.Count(events.Reception); got != n {
		t.Fatalf("%d Reception records, want %d", got, n)
	}
	// Webhook receivers rely on a message's Reception preceding its
	// Delivery, even when the express lane delivers at once.
	received := map[string]bool{}
	for _, r := range rec.Sequence() {
		switch r.Type {
		case events.Reception:
			received[r.ID] = true
		case events.Delivery:
			if !received[r.ID] {
				t.Fatalf("message %s: Delivery record before its Reception", r.ID)
			}
		}
	}
	for _, m := range sink.Messages() {
		if !strings.HasPrefix(string(m.Data), "Received: ") {
			t.Fatalf("delivered message does not start with a Received: header:\n%.200s", m.Data)
		}
	}
	d := rec.All(events.Delivery)[0]
	if d.ID == "" || d.Recipient == "" || d.Site == "" || d.Response == nil || d.Response.Code != 250 || d.Attempts != 1 {
		t.Fatalf("Delivery record lacks fields: %+v", d)
	}
	// The records file holds the same events as JSON lines once the
	// engine has flushed it on Close.
	e.Close()
	byType := map[events.Type]int{}
	for _, r := range readRecordsFile(t, recordsPath(dir)) {
		byType[r.Type]++
	}
	if byType[events.Reception] != n || byType[events.Delivery] != n {
		t.Fatalf("records file holds %v, want %d Reception and %d Delivery", byType, n, n)
	}
}

// TestMultiDomainMessage delivers a message whose recipients span domains
// of one site: every recipient arrives exactly once. (Whether they share a
// transaction depends on timing here; egress's TestEnqueueMergesOneMessage
// checks the merge itself.)
func TestMultiDomainMessage(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	_, rec, addr := testEngine(t, routeTo(sink), Options{})
	to := []string{"a@one.test", "b@two.test", "c@one.test"}
	send(t, addr, "s@sender.test", to, testBody(1))
	rec.WaitFor(t, events.Delivery, 3, 5*time.Second)
	total := 0
	for _, m := range sink.Messages() {
		total += len(m.To)
	}
	if total != 3 {
		t.Fatalf("sink got %d recipients in %d transactions, want 3", total, sink.Count())
	}
}

func TestRetryAfterTemporaryFailure(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, n int) *smtp.SMTPError {
		if stage == testsink.StageRcpt && n == 1 {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
		}
		return nil
	}})
	_, rec, addr := testEngine(t, routeTo(sink)+"[queue]\nretry_initial = \"300ms\"\nretry_jitter = 0.0\n", Options{})
	send(t, addr, "a@sender.test", []string{"r@example.test"}, testBody(1))
	rec.WaitFor(t, events.Delivery, 1, 10*time.Second)
	tf := rec.All(events.TransientFailure)
	if len(tf) != 1 || tf[0].Response.Code != 451 || tf[0].NextAttempt == nil {
		t.Fatalf("TransientFailure records = %+v, want one 451 with a next attempt", tf)
	}
	if d := rec.All(events.Delivery)[0]; d.Attempts != 2 {
		t.Fatalf("delivered on attempt %d, want 2", d.Attempts)
	}
}

func TestPermanentFailureBounces(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, arg string, _ int) *smtp.SMTPError {
		if stage == testsink.StageRcpt && strings.HasPrefix(arg, "bad") {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}
		return nil
	}})
	e, rec, addr := testEngine(t, routeTo(sink), Options{})
	send(t, addr, "a@sender.test", []string{"bad@example.test", "good@example.test"}, testBody(1))
	rec.WaitFor(t, events.Bounce, 1, 5*time.Second)
	rec.WaitFor(t, events.Delivery, 1, 5*time.Second)
	b := rec.All(events.Bounce)[0]
	if b.Recipient != "bad@example.test" || b.Response.Code != 550 || b.Category != "InvalidRecipient" {
		t.Fatalf("Bounce record = %+v", b)
	}
	waitSpoolEmpty(t, e)
}

// waitSpoolEmpty waits until no message is pending: the end of deliveries
// that will come, so its bound is generous (a loaded machine took more than
// 5 s for 80); it returns as soon as they end.
func waitSpoolEmpty(t *testing.T, e *Engine) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		e.pendMu.Lock()
		n := len(e.pend)
		e.pendMu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still pending", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		if stage == testsink.StageRcpt {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "later"}
		}
		return nil
	}})
	cfg := routeTo(sink) + "[queue]\nretry_initial = \"200ms\"\nmax_age = \"700ms\"\nretry_jitter = 0.0\n"
	e, rec, addr := testEngine(t, cfg, Options{})
	send(t, addr, "a@sender.test", []string{"r@example.test"}, testBody(1))
	rec.WaitFor(t, events.Expiration, 1, 10*time.Second)
	if rec.Count(events.Delivery) != 0 {
		t.Fatal("an expired message was delivered")
	}
	x := rec.All(events.Expiration)[0]
	if x.Category != "MessageExpired" || x.Attempts < 2 {
		t.Fatalf("Expiration record = %+v, want MessageExpired after at least 2 attempts", x)
	}
	waitSpoolEmpty(t, e)
}

// mxConfig points delivery at a loopback DNS server and the sink's port.
func mxConfig(dns *testdns.Server, port int) string {
	return fmt.Sprintf("[delivery]\ndns_server = %q\nport = %d\nconnect_timeout = \"2s\"\n", dns.Addr(), port)
}

func TestNullMXBounces(t *testing.T) {
	dns := testdns.Start(t)
	dns.SetNullMX("nomail.test")
	_, rec, addr := testEngine(t, mxConfig(dns, freePort(t)), Options{})
	send(t, addr, "a@sender.test", []string{"r@nomail.test"}, testBody(1))
	rec.WaitFor(t, events.Bounce, 1, 5*time.Second)
	if b := rec.All(events.Bounce)[0]; b.Response.Code != 556 || b.Response.Enhanced != "5.1.10" {
		t.Fatalf("null MX bounce = %+v, want 556 5.1.10", b.Response)
	}
}

func TestMXFallbackToSecondHost(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	dns := testdns.Start(t)
	dns.SetMX("two.test", 300, testdns.MX{Pref: 10, Host: "dead.two.test"}, testdns.MX{Pref: 20, Host: "live.two.test"})
	dns.SetA("dead.two.test", 300, "127.0.0.9") // nothing listens there
	dns.SetA("live.two.test", 300, "127.0.0.1")
	_, rec, addr := testEngine(t, mxConfig(dns, sink.Port()), Options{})
	send(t, addr, "a@sender.test", []string{"r@two.test"}, testBody(1))
	rec.WaitFor(t, events.Delivery, 1, 10*time.Second)
	if d := rec.All(events.Delivery)[0]; d.PeerName != "live.two.test" {
		t.Fatalf("delivered via %q, want live.two.test", d.PeerName)
	}
}

func TestNoMXUsesAddressRecord(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	dns := testdns.Start(t)
	dns.SetA("plain.test", 300, "127.0.0.1")
	_, rec, addr := testEngine(t, mxConfig(dns, sink.Port()), Options{})
	send(t, addr, "a@sender.test", []string{"r@plain.test"}, testBody(1))
	rec.WaitFor(t, events.Delivery, 1, 10*time.Second)
}

func TestStalledDestinationTimesOut(t *testing.T) {
	// A server that greets, then never answers: the command timeout must
	// end the attempt and the message must be retried, not stuck.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("220 stall.test ESMTP\r\n"))
			defer c.Close()
		}
	}()
	cfg := fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%q]\n[delivery]\ncommand_timeout = \"300ms\"\n[queue]\nretry_initial = \"1h\"\n", ln.Addr().String())
	_, rec, addr := testEngine(t, cfg, Options{})
	send(t, addr, "a@sender.test", []string{"r@example.test"}, testBody(1))
	rec.WaitFor(t, events.TransientFailure, 1, 5*time.Second)
}
