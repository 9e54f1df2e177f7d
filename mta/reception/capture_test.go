package reception

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// dataCases are message data as a client sends it after 354, end of data
// included, in the writes it makes; some go on with pipelined commands.
var dataCases = []struct {
	name  string
	parts []string
}{
	{"plain", []string{"Subject: a\r\n\r\nhello\r\n.\r\n"}},
	{"empty", []string{".\r\n"}},
	{"dot-stuffed", []string{"Subject: a\r\n\r\n..one\r\n.two\r\n...\r\n.\r\n"}},
	{"LF.LF", []string{"Subject: a\r\n\r\nx\n.\ny\r\n.\r\n"}},
	{"CR.CR", []string{"Subject: a\r\n\r\nx\r.\ry\r\n.\r\n"}},
	{"CRLF.CR", []string{"Subject: a\r\n\r\nx\r\n.\ry\r\n.\r\n"}},
	{"CRLF.LF", []string{"Subject: a\r\n\r\nx\r\n.\ny\r\n.\r\n"}},
	{"CRCRLF.CRLF", []string{"Subject: a\r\n\r\nx\r\r\n.\r\ny\r\n.\r\n"}},
	{"dot CR CR", []string{"Subject: a\r\n\r\nx\r\n.\r\r\n.\r\n\r\n.\r\n"}},
	{"NUL", []string{"Subject: a\r\n\r\nx\x00y\r\n.\r\n"}},
	{"no final CRLF before dot", []string{"Subject: a\r\n\r\nx.\r\n.\r\n"}},
	{"then commands", []string{"Subject: a\r\n\r\nx\r\n.\r\nRSET\r\nNOOP\r\n"}},
	{"split everywhere", []string{"Subject: a\r", "\n\r\n", ".", ".x\r\n", ".\r", "\n"}},
	{"split in the end", []string{"Subject: a\r\n\r\nx\r\n", ".", "\r", "\nNOOP\r\n"}},
	{"line at the limit", []string{"Subject: a\r\n\r\n" + strings.Repeat("x", 1998) + "\r\n.\r\n"}},
	{"line past the limit", []string{"Subject: a\r\n\r\n" + strings.Repeat("x", 1999) + "\r\n.\r\n"}},
	{"long line in pieces", []string{"Subject: a\r\n\r\n", strings.Repeat("x", 1500), strings.Repeat("y", 1500), "\r\n.\r\n"}},
	{"over the size limit", []string{"Subject: a\r\n\r\n" + strings.Repeat("0123456789\r\n", 500) + ".\r\n"}},
	{"near the size limit", []string{"Subject: a\r\n\r\n" + strings.Repeat("abcdefghi\r\n", 340) + ".\r\n"}},
	// 14 + 40×100 + 82 = 4096 bytes: go-smtp refuses its limit itself.
	{"exactly the size limit", []string{"Subject: a\r\n\r\n" + strings.Repeat(strings.Repeat("x", 98)+"\r\n", 40) +
		strings.Repeat("y", 80) + "\r\n.\r\n"}},
}

// TestCaptureMatchesGoSMTP sends each case twice: with DATA alone in its
// write, so that trackedConn captures the data, and pipelined after RCPT,
// so that go-smtp reads it. Replies and spooled bodies must be the same.
func TestCaptureMatchesGoSMTP(t *testing.T) {
	for _, tc := range dataCases {
		t.Run(tc.name, func(t *testing.T) {
			var got [2]string
			for i, captured := range []bool{true, false} {
				f := start(t, Options{RelayNets: loopbackNets, MaxMessageBytes: 4096}, nil)
				got[i] = sendData(t, f, captured, tc.parts)
				if n := f.srv.captured.Load(); n != boolCount(captured) {
					t.Fatalf("captured=%v: %d captures", captured, n)
				}
			}
			if got[0] != got[1] {
				t.Errorf("captured:\n%s\ngo-smtp:\n%s", got[0], got[1])
			}
		})
	}
}

func boolCount(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// sendData runs one transaction and describes what came of it: the
// replies to DATA and to a NOOP after it, and what was spooled.
func sendData(t *testing.T, f *fixture, captured bool, parts []string) string {
	rc := dialRaw(t, f.addr)
	rc.cmd("HELO client.test", "250 ")
	rc.cmd("MAIL FROM:<a@example.org>", "250 ")
	if captured {
		rc.cmd("RCPT TO:<b@example.net>", "250 ")
		rc.cmd("DATA", "354 ")
	} else {
		rc.write("RCPT TO:<b@example.net>\r\nDATA\r\n")
		rc.expect("250 ")
		rc.expect("354 ")
	}
	for i, p := range parts {
		if i > 0 {
			time.Sleep(2 * time.Millisecond) // likely a read of its own
		}
		_, _ = io.WriteString(rc.c, p) // the server may have closed (line too long)
	}
	var out strings.Builder
	out.WriteString("DATA: " + withoutID(rc.reply()) + "\n")
	if tail := afterEnd(strings.Join(parts, "")); tail != "" {
		for range strings.Count(tail, "\r\n") {
			out.WriteString("pipelined: " + rc.reply() + "\n")
		}
	}
	_, _ = io.WriteString(rc.c, "NOOP\r\n")
	out.WriteString("NOOP: " + rc.reply() + "\n")
	for _, m := range f.sub.all() {
		out.WriteString("spooled: " + withoutReceived(m.body) + "\n")
	}
	return out.String()
}

func withoutID(reply string) string {
	if i := strings.Index(reply, "queued as "); i >= 0 {
		return reply[:i]
	}
	return reply
}

// withoutReceived cuts the Received field (its id and date differ).
func withoutReceived(body string) string {
	for i := 0; ; {
		j := strings.Index(body[i:], "\r\n")
		if j < 0 {
			return ""
		}
		i += j + 2
		if i == len(body) || body[i] != '\t' {
			return body[i:]
		}
	}
}

// afterEnd returns what follows the end of data in data.
func afterEnd(data string) string {
	_, used, _ := dotModel([]byte(data))
	return data[used:]
}

// dotModel is go-smtp's DATA state machine one byte at a time, the
// reference for capture.unstuff.
func dotModel(in []byte) (data []byte, used int, end bool) {
	state := stBeginLine
	for i, c := range in {
		switch {
		case state == stBeginLine && c == '.':
			state = stDot
			continue
		case state == stDot && c == '\r':
			state = stDotCR
			continue
		case state == stDotCR && c == '\n':
			return data, i + 1, true
		case state == stBeginLine && c == '\r', state == stData && c == '\r':
			state = stCR
		case state == stCR && c == '\n':
			state = stBeginLine
		default:
			state = stData
		}
		data = append(data, c)
	}
	return data, len(in), false
}

// runCapture feeds in to a capture in reads of at most chunk bytes, as
// trackedConn does, and returns the data, the input used and whether the
// end was found.
func runCapture(in []byte, chunk int, limit int64) (*capture, int) {
	c := &capture{limit: limit}
	used := 0
	for used < len(in) && !c.done {
		room := c.room()
		n := copy(room[:min(chunk, len(room))], in[used:])
		k, _ := c.unstuff(n)
		used += k
	}
	return c, used
}

func checkCapture(t *testing.T, in []byte, chunk int) {
	t.Helper()
	want, wantUsed, wantEnd := dotModel(in)
	c, used := runCapture(in, chunk, 1<<20)
	if !bytes.Equal(c.b, want) || used != wantUsed || c.done != wantEnd {
		t.Fatalf("%q in reads of %d: data %q used %d end %v; want %q %d %v",
			in, chunk, c.b, used, c.done, want, wantUsed, wantEnd)
	}
}

func TestCaptureUnstuff(t *testing.T) {
	inputs := []string{
		"", ".\r\n", "a\r\n.\r\n", "..\r\n.\r\n", ".\r.\r\n", "\r\r\n.\r\n", "\r\n.\r\n",
		"x\n.\n.\r\n", ".x\r\n.y\r\n.\r\nMAIL", "a\rb\r\n.\r\r\n.\r\n", "no end\r\n.",
	}
	for _, in := range inputs {
		for _, chunk := range []int{1, 2, 3, 7, 4096} {
			checkCapture(t, []byte(in), chunk)
		}
	}
}

func TestCaptureKeepsLimitPlusOne(t *testing.T) {
	in := []byte(strings.Repeat("abcdefghi\r\n", 1000) + ".\r\nNOOP\r\n")
	c, used := runCapture(in, 4096, 100)
	if !c.over || len(c.b) != 101 || !c.done || used != len(in)-len("NOOP\r\n") {
		t.Fatalf("over %v, kept %d, done %v, used %d", c.over, len(c.b), c.done, used)
	}
}

func TestCaptureLineLimit(t *testing.T) {
	tests := []struct {
		lineLen int // bytes before the first LF after DATA's
		ok      bool
	}{{1998, true}, {1999, true}, {2000, false}, {5000, false}}
	for _, tt := range tests {
		// After "DATA\r\n" go-smtp's count is 1, as a capture starts.
		c := &capture{lineMax: 2000, lineLen: 1}
		line := []byte(strings.Repeat("x", tt.lineLen-1) + "\r\n")
		if ok := c.checkLines(line[:len(line)/2]) < 0 && c.checkLines(line[len(line)/2:]) < 0; ok != tt.ok {
			t.Errorf("line of %d bytes: ok %v, want %v", tt.lineLen, ok, tt.ok)
		}
	}
	// The offset names the long line's start, so that a command after the
	// end of data is told from data.
	c := &capture{lineMax: 10, lineLen: 1}
	if got := c.checkLines([]byte("short\r\n.\r\nNOOP xxxxxxxx\r\n")); got != 10 {
		t.Errorf("long line found at %d, want 10", got)
	}
}

// TestCaptureLongCommandAfterEnd: a long command pipelined after the end
// of data is refused as a command; the message before it stands. (go-smtp's
// own path refuses the message too when both fall in one 4 KiB read.)
func TestCaptureLongCommandAfterEnd(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets, MaxMessageBytes: 4096}, nil)
	got := sendData(t, f, true, []string{"Subject: a\r\n\r\nx\r\n.\r\nNOOP " + strings.Repeat("x", 2500) + "\r\n"})
	if !strings.HasPrefix(got, "DATA: 250 ") || !strings.Contains(got, "pipelined: 500 ") || len(f.sub.all()) != 1 {
		t.Fatalf("want the message queued and the long command refused:\n%s", got)
	}
}

// TestPendingIsDropped: what follows a captured end is handed to go-smtp
// and then let go, so a connection does not keep a large buffer.
func TestPendingIsDropped(t *testing.T) {
	c := &trackedConn{pending: make([]byte, 10000)}
	p := make([]byte, 4096)
	for total := 0; total < 10000; {
		total += c.takePending(p)
	}
	if c.pending != nil {
		t.Fatalf("pending keeps %d bytes of capacity after it was taken", cap(c.pending))
	}
}

func FuzzCaptureUnstuff(f *testing.F) {
	f.Add([]byte("a\r\n.\r\n"), uint8(3))
	f.Add([]byte("\r\n..\r\n.\r\r\n.\n\r\n.\r\n"), uint8(1))
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		checkCapture(t, in, int(chunk)+1)
	})
}

// TestCaptureDataTimeout: captured data that stops is cut off by the data
// timeout like go-smtp's, and what comes late is never read as commands.
func TestCaptureDataTimeout(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets, DataTimeout: 300 * time.Millisecond}, nil)
	rc := begin(t, f)
	rc.cmd("DATA", "354 ")
	rc.write("Subject: slow\r\n\r\npart one\r\n")
	rc.expect("421 4.4.2 ")
	_, _ = io.WriteString(rc.c, "\r\n.\r\nMAIL FROM:<evil@example.org>\r\n")
	if got := rc.reply(); got != "" && !strings.HasPrefix(got, "421 4.4.2 ") {
		t.Errorf("after a data timeout the server answered %q", got)
	}
	if !rc.closed() {
		t.Error("connection open after the data timeout")
	}
	if n, c := len(f.sub.all()), f.srv.captured.Load(); n != 0 || c != 1 {
		t.Errorf("%d messages submitted after %d captures, want 0 after 1", n, c)
	}
}
