package reception

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/wasmta/wasmta/mta/events"
)

// Issue 12 item 4 at reception, and the smaller items: a looping message
// is refused, submission clients' messages get Date and Message-ID.

func TestMailLoopRefused(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets, MaxHops: 5}, nil)
	hops := func(n int) string {
		return strings.Repeat("Received: from a.example by b.example; Sat, 5 Dec 2026 10:00:00 +0000\r\n", n) +
			"Subject: loop\r\n\r\nbody\r\n"
	}
	if _, err := send(f.client(t), "a@example.org", []string{"b@example.net"}, hops(5)); err != nil {
		t.Fatalf("5 hops with max_hops 5: %v", err)
	}
	_, err := send(f.client(t), "a@example.org", []string{"b@example.net"}, hops(6))
	wantCode(t, err, 554, "5.4.6")
	if n := len(f.sub.all()); n != 1 {
		t.Errorf("%d messages spooled, want 1", n)
	}
	if got := reasons(f.recs.All(events.Rejection)); got["loop"] != 1 {
		t.Errorf("Rejection records %v, want one with reason loop", got)
	}
}

func TestSubmissionGetsDateAndMessageID(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets, Auth: testAuth}, nil)
	bare := "From: a@example.org\r\nSubject: no date\r\n\r\nbody\r\n"
	// A relay client outside HeaderFixNets: passed on as it came.
	if _, err := send(f.client(t), "a@example.org", []string{"b@example.net"}, bare); err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	if err := c.Auth(sasl.NewPlainClient("", "alice", "s3cret")); err != nil {
		t.Fatal(err)
	}
	if _, err := send(c, "a@example.org", []string{"b@example.net"}, bare); err != nil {
		t.Fatal(err)
	}
	withDate := "Date: Sat, 5 Dec 2026 10:00:00 +0000\r\nMessage-ID: <own@example.org>\r\n" + bare
	if _, err := send(c, "a@example.org", []string{"b@example.net"}, withDate); err != nil {
		t.Fatal(err)
	}
	msgs := f.sub.all()
	if len(msgs) != 3 {
		t.Fatalf("%d messages", len(msgs))
	}
	if strings.Contains(msgs[0].body, "\r\nDate:") || strings.Contains(msgs[0].body, "\r\nMessage-ID:") {
		t.Errorf("relayed message got fields added:\n%s", msgs[0].body)
	}
	wantID := "\r\nMessage-ID: <" + msgs[1].m.ID.String() + "@mx.test>\r\n"
	if !strings.Contains(msgs[1].body, "\r\nDate: ") || !strings.Contains(msgs[1].body, wantID) {
		t.Errorf("submitted message lacks Date or %q:\n%s", wantID, msgs[1].body)
	}
	if strings.Count(msgs[2].body, "Date:") != 1 || strings.Count(msgs[2].body, "Message-ID:") != 1 {
		t.Errorf("fields added to a message that had them:\n%s", msgs[2].body)
	}
}

func TestNoHeaderSectionOverTheWire(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets, HeaderFixNets: loopbackNets}, nil)
	if _, err := send(f.client(t), "a@example.org", []string{"b@example.net"}, "Dear Bob, a body only.\r\n"); err != nil {
		t.Fatal(err)
	}
	body := f.sub.all()[0].body
	_, rest, _ := strings.Cut(body, "\r\n\r\n")
	if rest != "Dear Bob, a body only.\r\n" {
		t.Errorf("the first body line ended up in the header:\n%s", body)
	}
	if !strings.Contains(body, "\r\nDate: ") {
		t.Errorf("no Date added for a client in HeaderFixNets:\n%s", body)
	}
}

func TestDataInFlightBudget(t *testing.T) {
	const budget = 2 << 20
	f := start(t, Options{RelayNets: loopbackNets, MaxDataInFlight: budget}, nil)
	chunk := strings.Repeat(strings.Repeat("x", 98)+"\r\n", 7<<10)
	big := "Subject: big\r\n\r\n" + chunk
	if _, err := send(f.client(t), "a@example.org", []string{"b@example.net"}, big); err != nil {
		t.Fatalf("one 700 KiB message alone: %v", err)
	}
	// Four sessions each hold 700 KiB of DATA at once: about 4 MiB of
	// buffers against a 2 MiB budget.
	var rcs []*raw
	for range 4 {
		rc := begin(t, f)
		rc.cmd("DATA", "354 ")
		rc.write("Subject: big\r\n\r\n" + chunk)
		rcs = append(rcs, rc)
	}
	// Nothing is released before a "." is sent: wait until the sessions
	// have read enough to fill the budget, whatever the machine's load.
	budgetOf := f.srv.intake.Budget()
	for deadline := time.Now().Add(20 * time.Second); budgetOf.Used() < budget*3/4; {
		if time.Now().After(deadline) {
			t.Fatalf("the sessions hold %d bytes after 20 s, want the budget nearly full", budgetOf.Used())
		}
		time.Sleep(20 * time.Millisecond)
	}
	settle(budgetOf.Used)
	accepted, refused := 0, 0
	for _, rc := range rcs {
		switch got := rc.cmd(".", ""); {
		case strings.HasPrefix(got, "250 "):
			accepted++
		case strings.HasPrefix(got, "452 4.3.1 "):
			refused++
		default:
			t.Errorf("end of data: %q", got)
		}
	}
	if refused == 0 {
		t.Errorf("%d accepted, %d refused: want refusals past the budget", accepted, refused)
	}
	if used := f.srv.intake.Budget().Used(); used != 0 {
		t.Errorf("%d bytes still reserved after every DATA ended", used)
	}
	if _, err := send(f.client(t), "a@example.org", []string{"b@example.net"}, big); err != nil {
		t.Fatalf("after the flood the budget is free again, yet: %v", err)
	}
	// SIZE= that cannot fit is refused at MAIL, before any data.
	rc := dialRaw(t, f.addr)
	rc.cmd("EHLO client.test", "250 ")
	rc.cmd("MAIL FROM:<a@example.org> SIZE=3000000", "452 4.3.1 ")
	if got := reasons(f.recs.All(events.Rejection)); got["memory"] != refused+1 {
		t.Errorf("Rejection records %v, want %d with reason memory", got, refused+1)
	}
}

// settle waits (at most 5 s) until v stops changing for 150 ms: the
// server has read what the sockets held.
func settle(v func() int64) {
	last, still := v(), 0
	for deadline := time.Now().Add(5 * time.Second); still < 3 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		if now := v(); now == last {
			still++
		} else {
			last, still = now, 0
		}
	}
}
