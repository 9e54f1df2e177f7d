package reception

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

func TestBDAT(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   string // reply to the LAST chunk
		body   string // spooled data after the trace field, "" when refused
	}{
		{"two chunks", []string{"Subject: x\r\n\r\nhel", "lo\r\n"}, "250 2.0.0 ", "Subject: x\r\n\r\nhello\r\n"},
		{"no dot unstuffing", []string{"Subject: x\r\n\r\n..\r\n.\r\n"}, "250 ", "Subject: x\r\n\r\n..\r\n.\r\n"},
		{"bare LF normalised", []string{"Subject: x\n\nbody\n.\nMAIL FROM:<e@x.org>\n"}, "250 ", "Subject: x\r\n\r\nbody\r\n.\r\nMAIL FROM:<e@x.org>\r\n"},
		{"final CRLF added", []string{"Subject: x\r\n\r\nno newline"}, "250 ", "Subject: x\r\n\r\nno newline\r\n"},
		{"NUL refused", []string{"Subject: x\r\n\r\na\x00b\r\n"}, "550 5.6.0 ", ""},
		{"over the limit", []string{strings.Repeat("x", 600), strings.Repeat("y", 600)}, "552 5.3.4 ", ""},
	}
	f := start(t, Options{RelayNets: loopbackNets, MaxMessageBytes: 1000}, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(f.sub.all())
			rc := begin(t, f)
			last := len(tc.chunks) - 1
			for i, c := range tc.chunks {
				cmd := "BDAT " + itoa(len(c))
				if i == last {
					cmd += " LAST"
				}
				rc.write(cmd + "\r\n" + c)
				if i == last {
					rc.expect(tc.want)
				} else {
					rc.expect("250 2.0.0 Continue")
				}
			}
			rc.cmd("NOOP", "250 ")
			got := f.sub.all()[before:]
			if tc.body == "" {
				if len(got) != 0 {
					t.Fatalf("%d messages spooled, want none", len(got))
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d messages spooled, want 1", len(got))
			}
			if _, data, _ := strings.Cut(got[0].body, "+0000\r\n"); data != tc.body {
				t.Errorf("spooled data %q, want %q", data, tc.body)
			}
		})
	}
}

// TestShutdown: idle connections are closed at once, a transaction under
// way is allowed to finish, and Serve returns.
func TestShutdown(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets}, nil)
	idle := dialRaw(t, f.addr)
	idle.cmd("EHLO client.test", "250 ")
	busy := begin(t, f)

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- f.srv.Shutdown(ctx)
	}()
	if !idle.closed() {
		t.Fatal("idle connection still open during shutdown")
	}
	busy.cmd("DATA", "354 ")
	busy.cmd("Subject: x\r\n\r\nlast one\r\n.", "250 2.0.0 ")
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if n := len(f.sub.all()); n != 1 {
		t.Errorf("%d messages spooled, want the one in flight", n)
	}
	if !busy.closed() {
		t.Error("connection open after Shutdown returned")
	}
}

// TestShutdownDeadline: a client that never finishes is cut off when the
// context ends.
func TestShutdownDeadline(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets}, nil)
	stuck := begin(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := f.srv.Shutdown(ctx); err == nil {
		t.Fatal("Shutdown returned nil with a transaction still open")
	}
	if !stuck.closed() {
		t.Error("stuck connection still open after the Shutdown deadline")
	}
}

// TestBDATTruncatedLastChunk: a client that closes before the whole LAST
// chunk arrived must not get a truncated message spooled (go-smtp's chunk
// copy takes an early EOF for the end of the chunk).
func TestBDATTruncatedLastChunk(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets}, nil)
	rc := begin(t, f)
	rc.write("BDAT 100 LAST\r\nSubject: x\r\n\r\nonly part of it")
	rc.c.(*net.TCPConn).CloseWrite()
	for rc.reply() != "" {
	}
	if n := len(f.sub.all()); n != 0 {
		t.Fatalf("%d truncated messages spooled", n)
	}
}
