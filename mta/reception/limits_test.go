package reception

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/spool"
)

// begin opens a raw session up to an accepted RCPT.
func begin(t *testing.T, f *fixture) *raw {
	rc := dialRaw(t, f.addr)
	rc.cmd("EHLO client.test", "250 ")
	rc.cmd("MAIL FROM:<a@example.org>", "250 ")
	rc.cmd("RCPT TO:<b@example.net>", "250 ")
	return rc
}

func TestSizeLimit(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets, MaxMessageBytes: 1000}, nil)
	rc := dialRaw(t, f.addr)
	rc.cmd("EHLO client.test", "250 ")
	rc.cmd("MAIL FROM:<a@example.org> SIZE=1001", "552 5.3.4 ")
	rc.cmd("MAIL FROM:<a@example.org> SIZE=900", "250 ")
	rc.cmd("RCPT TO:<b@example.net>", "250 ")
	rc.cmd("DATA", "354 ")
	rc.write("Subject: big\r\n\r\n" + strings.Repeat("0123456789abcdef\r\n", 100) + ".\r\n")
	rc.expect("552 5.3.4 ")
	// The session goes on: a small message is accepted.
	rc.cmd("MAIL FROM:<a@example.org>", "250 ")
	rc.cmd("RCPT TO:<b@example.net>", "250 ")
	rc.cmd("DATA", "354 ")
	rc.cmd("Subject: small\r\n\r\nok\r\n.", "250 2.0.0 ")
	if n := len(f.sub.all()); n != 1 {
		t.Errorf("%d messages submitted, want only the small one", n)
	}
	rej := f.recs.All(events.Rejection)
	if len(rej) != 1 || rej[0].Reason != "size" || rej[0].Response.Code != 552 {
		t.Errorf("Rejection records %+v, want one for the oversized DATA", rej)
	}
}

func TestRecipientLimit(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets, MaxRecipients: 2}, nil)
	rc := begin(t, f)
	rc.cmd("RCPT TO:<c@example.net>", "250 ")
	rc.cmd("RCPT TO:<d@example.net>", "452 4.5.3 ")
	rc.cmd("DATA", "354 ")
	rc.cmd("Subject: x\r\n\r\nx\r\n.", "250 ")
	if got := f.sub.all(); len(got) != 1 || len(got[0].m.Recipients) != 2 {
		t.Fatalf("submitted %v, want one message for the first two recipients", got)
	}
}

func TestTenantLimits(t *testing.T) {
	limits := map[string]Limits{"acme": {MaxMessageBytes: 500, MaxRecipients: 1, MessagesPerMinute: 2}}
	f := start(t, Options{Auth: testAuth, TenantLimits: func(t string) Limits { return limits[t] }}, nil)
	rc := dialRaw(t, f.addr)
	rc.cmd("EHLO client.test", "250 ")
	rc.cmd("AUTH PLAIN "+plainIR("alice", "s3cret"), "235 ")
	rc.cmd("MAIL FROM:<a@example.org> SIZE=501", "552 5.3.4 ")
	rc.cmd("MAIL FROM:<a@example.org>", "250 ") // token 1
	rc.cmd("RCPT TO:<b@example.net>", "250 ")
	rc.cmd("RCPT TO:<c@example.net>", "452 4.5.3 ")
	rc.cmd("DATA", "354 ")
	rc.cmd("Subject: x\r\n\r\n"+strings.Repeat("x", 600)+"\r\n.", "552 5.3.4 ")
	rc.cmd("MAIL FROM:<a@example.org>", "250 ") // token 2
	rc.cmd("RSET", "250 ")
	rc.cmd("MAIL FROM:<a@example.org>", "450 4.7.1 ")
	rc.cmd("NOOP", "250 ")

	var reasons []string
	for _, r := range f.recs.All(events.Rejection) {
		if r.Tenant != "acme" {
			t.Errorf("Rejection record for tenant %q, want acme", r.Tenant)
		}
		reasons = append(reasons, r.Reason)
	}
	if got := strings.Join(reasons, ","); got != "size,recipients,size,rate" {
		t.Errorf("Rejection reasons %s, want size,recipients,size,rate", got)
	}
	// Another tenant has its own bucket and the server limits.
	c := f.client(t)
	if _, err := send(c, "a@example.org", []string{"b@example.net"}, "x"); err == nil {
		t.Error("unauthenticated relay accepted")
	}
}

func TestConnectionLimit(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets, MaxConnections: 2}, nil)
	a, b := dialRaw(t, f.addr), dialRaw(t, f.addr)
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	third := &raw{t: t, c: c, r: bufio.NewReader(c)}
	third.expect("421 4.7.0 ")
	if !third.closed() {
		t.Error("refused connection left open")
	}
	b.cmd("QUIT", "221 ")
	// Once b is gone a new client gets in.
	deadline := time.Now().Add(5 * time.Second)
	for f.srv.conns.len() > 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	dialRaw(t, f.addr).cmd("NOOP", "250 ")
	a.cmd("NOOP", "250 ")
	if rej := f.recs.All(events.Rejection); len(rej) != 1 || rej[0].Reason != "connections" {
		t.Errorf("Rejection records %+v, want one for connections", rej)
	}
}

func TestLineLength(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets, MaxLineLength: 200}, nil)
	rc := dialRaw(t, f.addr)
	rc.cmd("NOOP "+strings.Repeat("x", 300), "500 5.4.0 ")
	if !rc.closed() {
		t.Error("connection open after an over-long command line")
	}
	rc = begin(t, f)
	rc.cmd("DATA", "354 ")
	rc.write("Subject: x\r\n\r\n" + strings.Repeat("y", 300) + "\r\n.\r\n")
	rc.expect("500 5.5.2 ")
	rc.expect("500 5.4.0 ")
	if !rc.closed() {
		t.Error("connection open after an over-long data line")
	}
	if n := len(f.sub.all()); n != 0 {
		t.Errorf("%d messages submitted, want 0", n)
	}
}

func TestCommandTimeout(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets, CommandTimeout: 150 * time.Millisecond}, nil)
	rc := dialRaw(t, f.addr)
	rc.cmd("EHLO client.test", "250 ")
	rc.expect("421 4.4.2 ")
	if !rc.closed() {
		t.Error("connection open after the command timeout")
	}
}

func TestDataTimeout(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets, DataTimeout: time.Second, MinDataRate: 100}, nil)
	// Data that keeps flowing faster than MinDataRate is not cut off,
	// however long it takes in total: 100 bytes every 300 ms earn 1 s
	// each (margins wide enough for a loaded machine's sleeps).
	rc := begin(t, f)
	rc.cmd("DATA", "354 ")
	for i := range 6 {
		rc.write(fmt.Sprintf("Line-%d: %s\r\n", i, strings.Repeat("x", 90)))
		time.Sleep(300 * time.Millisecond)
	}
	rc.cmd("\r\nbody\r\n.", "250 ")
	// Data that stops is: the rest, sent late, must not be read as commands.
	rc = begin(t, f)
	rc.cmd("DATA", "354 ")
	rc.write("Subject: slow\r\n\r\npart one\r\n")
	rc.expect("421 4.4.2 ")
	rc.write("MAIL FROM:<evil@example.org>\r\nRCPT TO:<x@example.net>\r\nDATA\r\nevil\r\n.\r\n")
	if got := rc.reply(); got != "" && !strings.HasPrefix(got, "421 4.4.2 ") {
		t.Errorf("after a data timeout the server answered %q", got)
	}
	if !rc.closed() {
		t.Error("connection open after the data timeout")
	}
	if n := len(f.sub.all()); n != 1 {
		t.Errorf("%d messages submitted, want only the first", n)
	}
}

func TestSubmitErrors(t *testing.T) {
	tests := []struct {
		err      error
		code     int
		enhanced string
	}{
		{fmt.Errorf("spool: put: %w", spool.ErrFull), 452, "4.3.1"},
		{errors.New("spool: sync: input/output error"), 451, "4.3.0"},
	}
	for _, tc := range tests {
		f := start(t, Options{RelayNets: loopbackNets}, nil)
		f.sub.mu.Lock()
		f.sub.err = tc.err
		f.sub.mu.Unlock()
		_, err := send(f.client(t), "a@example.org", []string{"b@example.net"}, "Subject: x\r\n\r\nx\r\n")
		wantCode(t, err, tc.code, tc.enhanced)
		if n := len(f.recs.All(events.Reception)); n != 0 {
			t.Errorf("%d Reception records for a message the spool refused", n)
		}
	}
}

func TestAuthBeforeTLSAllowedWithoutRequirement(t *testing.T) {
	f := start(t, Options{Auth: testAuth}, remoteAt("192.0.2.20"))
	c := f.client(t)
	if err := c.Auth(sasl.NewPlainClient("", "alice", "s3cret")); err != nil {
		t.Fatalf("AUTH without AuthRequireTLS: %v", err)
	}
}
