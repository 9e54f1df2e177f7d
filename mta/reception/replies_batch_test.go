package reception

import (
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// writeCounter counts the writes made to the connections it accepts: the
// system calls the server makes to send.
type writeCounter struct {
	net.Listener
	writes atomic.Int64
}

func (l *writeCounter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countedConn{Conn: c, n: &l.writes}, nil
}

type countedConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countedConn) Write(p []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(p)
}

// TestRepliesLeaveInOneWrite checks that the server sends what it has to
// say before it next waits as one write: every line of the multi-line EHLO
// reply, and the three replies to a pipelined MAIL, RCPT, DATA group
// (RFC 2920 section 3), each leave in one write and arrive in one read.
func TestRepliesLeaveInOneWrite(t *testing.T) {
	wc := &writeCounter{}
	f := start(t, Options{RelayNets: loopbackNets}, func(l net.Listener) net.Listener {
		wc.Listener = l
		return wc
	})
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	readOnce := func() string {
		t.Helper()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 64<<10)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		return string(buf[:n])
	}
	if got := readOnce(); !strings.HasPrefix(got, "220 ") {
		t.Fatalf("greeting %q", got)
	}
	w0 := wc.writes.Load()
	c.Write([]byte("EHLO client.test\r\n"))
	ehlo := readOnce()
	if n := wc.writes.Load() - w0; n != 1 {
		t.Errorf("the EHLO reply took %d writes, want 1", n)
	}
	lines := strings.Split(strings.TrimSuffix(ehlo, "\r\n"), "\r\n")
	if len(lines) < 4 || !strings.HasPrefix(lines[len(lines)-1], "250 ") {
		t.Fatalf("EHLO reply not in one read (%d lines): %q", len(lines), ehlo)
	}
	for _, l := range lines[:len(lines)-1] {
		if !strings.HasPrefix(l, "250-") {
			t.Fatalf("EHLO reply line %q in %q", l, ehlo)
		}
	}
	w0 = wc.writes.Load()
	c.Write([]byte("MAIL FROM:<a@client.test>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n"))
	group := readOnce()
	if n := wc.writes.Load() - w0; n != 1 {
		t.Errorf("the pipelined group's replies took %d writes, want 1", n)
	}
	want := []string{"250 ", "250 ", "354 "}
	got := strings.Split(strings.TrimSuffix(group, "\r\n"), "\r\n")
	if len(got) != len(want) {
		t.Fatalf("pipelined replies in one read: %q, want %d replies", group, len(want))
	}
	for i, p := range want {
		if !strings.HasPrefix(got[i], p) {
			t.Errorf("reply %d = %q, want %q...", i, got[i], p)
		}
	}
	c.Write([]byte("Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n"))
	if end := readOnce(); !strings.HasPrefix(end, "250 ") || !strings.Contains(end, "221 ") {
		// The 221 may come in a read of its own after the 250; both must come.
		if rest := readOnce(); !strings.Contains(end+rest, "221 ") {
			t.Errorf("end of data and QUIT: %q then %q", end, rest)
		}
	}
}
