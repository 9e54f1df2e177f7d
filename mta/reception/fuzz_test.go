package reception

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// panicWatch is a slog handler that counts error records mentioning a
// panic (go-smtp recovers a panic in a session and logs it; smtpLog logs
// the ones go-smtp causes after closing a connection at debug level).
type panicWatch struct {
	n    atomic.Int32
	last atomic.Value // string: the last such record
}

func (p *panicWatch) Enabled(context.Context, slog.Level) bool { return true }
func (p *panicWatch) WithAttrs([]slog.Attr) slog.Handler       { return p }
func (p *panicWatch) WithGroup(string) slog.Handler            { return p }

func (p *panicWatch) Handle(_ context.Context, r slog.Record) error {
	if r.Level < slog.LevelError {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if v := a.Value.String(); strings.Contains(v, "panic") {
			p.n.Add(1)
			p.last.Store(v)
		}
		return true
	})
	return nil
}

var fuzzSeeds = []string{
	"EHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n",
	"EHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\nSubject: x\r\n\r\nincomplete\r\n",
	"EHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\nx\n.\nMAIL FROM:<e@x.org>\r\n.\r\n",
	"EHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\nx\r\n\x00.\r\nMAIL FROM:<e@x.org>\r\n.\r\n",
	"EHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nBDAT 5\r\nhelloBDAT 3 LAST\r\nabc",
	"EHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nBDAT 50 LAST\r\nshort",
	"EHLO x\r\nAUTH PLAIN " + "AGFsaWNlAHMzY3JldA==" + "\r\nMAIL FROM:<a@example.org> SIZE=10\r\nRCPT TO:<b@example.net>\r\nDATA\r\n.\r\n",
	"EHLO x\r\nMAIL FROM:<<>>\r\nRCPT TO:<no-at>\r\nDATA\r\nRSET\r\nSTARTTLS\r\n\x16\x03\x01",
	"HELO x\nMAIL FROM:<\xff@x.org> SMTPUTF8\nRCPT TO:<\"a b\"@x.org>\nDATA\n..\r\n.\r\n",
}

// FuzzSession feeds arbitrary bytes to a real server over loopback as one
// client's side of a conversation. The server must never panic, and must
// never spool more messages than the input has complete ends of data: a
// DATA end needs "\n.\r\n" and a BDAT end a LAST keyword.
func FuzzSession(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	watch := &panicWatch{}
	fx := start(f, Options{
		RelayNets: loopbackNets, Auth: testAuth, MaxMessageBytes: 64 << 10, MaxLineLength: 1000,
		CommandTimeout: 2 * time.Second, DataTimeout: 2 * time.Second, Logger: slog.New(watch),
	}, nil)
	f.Fuzz(func(t *testing.T, in []byte) {
		before := len(fx.sub.all())
		converse(t, fx.addr, in)
		spooled := len(fx.sub.all()) - before
		ends := bytes.Count(in, []byte("\n.\r\n")) + bytes.Count(bytes.ToUpper(in), []byte("LAST"))
		if spooled > ends {
			t.Fatalf("%d messages spooled from input with %d complete ends of data: %q", spooled, ends, in)
		}
		if n := watch.n.Load(); n > 0 {
			t.Fatalf("server panicked (%d log records) on %q:\n%s", n, in, watch.last.Load())
		}
	})
}

// converse writes in, half-closes, and reads until the server closes.
func converse(t *testing.T, addr string, in []byte) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		c.Write(in)
		c.(*net.TCPConn).CloseWrite()
	}()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = io.Copy(io.Discard, c)
	<-wrote
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("server neither read nor closed within 10 s, input %q", in)
	}
}

// TestPanicsAfterCloseQuiet: the panics go-smtp recovers after it closed
// a connection (BDAT 0 then QUIT; commands pipelined after QUIT) are not
// logged as errors, and nothing is spooled.
func TestPanicsAfterCloseQuiet(t *testing.T) {
	watch := &panicWatch{}
	fx := start(t, Options{RelayNets: loopbackNets, Logger: slog.New(watch)}, nil)
	for range 30 {
		converse(t, fx.addr, []byte("EHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<c@example.net>\r\nBDAT 0\r\nQUIT\r\n"))
		converse(t, fx.addr, []byte("EHLO x\r\nQUIT\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<c@example.net>\r\nDATA\r\nx\r\n.\r\n"))
	}
	if n := watch.n.Load(); n != 0 {
		t.Errorf("%d error records: %v", n, watch.last.Load())
	}
	if n := len(fx.sub.all()); n != 0 {
		t.Errorf("%d messages spooled", n)
	}
}
