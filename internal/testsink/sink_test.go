package testsink

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

func dial(t *testing.T, s *Sink) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("client.test"); err != nil {
		t.Fatalf("EHLO: %v", err)
	}
	return c
}

func code(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func TestAcceptsAndRecords(t *testing.T) {
	s := Start(t, Options{})
	c := dial(t, s)
	body := "Subject: hi\r\n\r\n..leading dot\r\nline\r\n"
	if err := c.SendMail("a@src.test", []string{"b@dst.test", "c@dst.test"}, strings.NewReader(body)); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 || s.Count() != 1 {
		t.Fatalf("got %d messages, count %d", len(msgs), s.Count())
	}
	m := msgs[0]
	if m.From != "a@src.test" || strings.Join(m.To, ",") != "b@dst.test,c@dst.test" {
		t.Errorf("envelope %q -> %q", m.From, m.To)
	}
	// go-smtp's client stuffs the leading dot; the sink must hand back the original.
	if string(m.Data) != body {
		t.Errorf("data %q, want %q", m.Data, body)
	}
	if m.TLS || m.Helo != "client.test" || !strings.HasPrefix(m.RemoteAddr, "127.0.0.1:") {
		t.Errorf("record %+v", m)
	}
	if s.ConnsFrom("127.0.0.1") != 1 || s.MessagesFrom("127.0.0.1") != 1 || s.Conns() != 1 {
		t.Errorf("counters: conns %d from ip %d, messages from ip %d", s.Conns(), s.ConnsFrom("127.0.0.1"), s.MessagesFrom("127.0.0.1"))
	}
}

func TestRespond(t *testing.T) {
	s := Start(t, Options{Respond: func(stage, arg string, n int) *smtp.SMTPError {
		switch {
		case stage == StageRcpt && strings.HasPrefix(arg, "full@"):
			return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"}
		case stage == StageRcpt && strings.HasPrefix(arg, "nobody@"):
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		case stage == StageData && n == 1:
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
		}
		return nil
	}})
	c := dial(t, s)
	if err := c.Mail("a@src.test", nil); err != nil {
		t.Fatal(err)
	}
	if got := code(c.Rcpt("full@dst.test", nil)); got != 452 {
		t.Errorf("full@: code %d, want 452", got)
	}
	if got := code(c.Rcpt("nobody@dst.test", nil)); got != 550 {
		t.Errorf("nobody@: code %d, want 550", got)
	}
	if err := c.Rcpt("ok@dst.test", nil); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("x\r\n"))
	if got := code(w.Close()); got != 451 {
		t.Errorf("first DATA: code %d, want 451", got)
	}
	if err := c.SendMail("a@src.test", []string{"ok@dst.test"}, strings.NewReader("y\r\n")); err != nil {
		t.Errorf("second DATA refused: %v", err)
	}
	if s.Count() != 1 || s.Stage(StageData) != 2 || s.Stage(StageRcpt) != 4 {
		t.Errorf("count %d, data stage %d, rcpt stage %d", s.Count(), s.Stage(StageData), s.Stage(StageRcpt))
	}
}

// raw opens a plain connection and returns a line reader past the banner.
func raw(t *testing.T, s *Sink) (net.Conn, *bufio.Reader, string) {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	banner, _ := r.ReadString('\n')
	return c, r, banner
}

func TestConnectRefusal(t *testing.T) {
	s := Start(t, Options{Respond: func(stage, arg string, n int) *smtp.SMTPError {
		if stage == StageConnect && n == 1 {
			return &smtp.SMTPError{Code: 554, Message: "go away " + arg}
		}
		return nil
	}})
	_, r, banner := raw(t, s)
	if banner != "554 go away 127.0.0.1\r\n" {
		t.Errorf("banner %q", banner)
	}
	if _, err := r.ReadString('\n'); err == nil {
		t.Errorf("connection still open after a refused greeting")
	}
	if _, _, banner := raw(t, s); !strings.HasPrefix(banner, "220 ") {
		t.Errorf("second connection banner %q", banner)
	}
}

func Test421ClosesConnection(t *testing.T) {
	s := Start(t, Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		if stage == StageMail {
			return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "too busy"}
		}
		return nil
	}})
	c, r, _ := raw(t, s)
	c.Write([]byte("EHLO x.test\r\n"))
	for line, _ := r.ReadString('\n'); strings.HasPrefix(line, "250-"); line, _ = r.ReadString('\n') {
	}
	c.Write([]byte("MAIL FROM:<a@b.test>\r\n"))
	if line, _ := r.ReadString('\n'); line != "421 4.7.0 too busy\r\n" {
		t.Errorf("reply %q", line)
	}
	if _, err := r.ReadString('\n'); err == nil {
		t.Errorf("connection open after 421")
	}
}

func TestReadsShowPipelining(t *testing.T) {
	s := Start(t, Options{})
	c, r, _ := raw(t, s)
	c.Write([]byte("EHLO x.test\r\n"))
	for line, _ := r.ReadString('\n'); strings.HasPrefix(line, "250-"); line, _ = r.ReadString('\n') {
	}
	before := s.Reads()
	c.Write([]byte("MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nRCPT TO:<e@d.test>\r\nDATA\r\n"))
	for range 4 {
		r.ReadString('\n')
	}
	if got := s.Reads() - before; got != 1 {
		t.Errorf("one pipelined write cost %d reads, want 1", got)
	}
}

func TestSTARTTLSAndAuth(t *testing.T) {
	s := Start(t, Options{TLS: true, Auth: map[string]string{"u": "p"}})
	if ok, _ := dial(t, s).Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not offered")
	}
	c, err := smtp.DialStartTLS(s.Addr(), &tls.Config{ServerName: "mx.sink.test", RootCAs: s.CertPool()})
	if err != nil {
		t.Fatalf("STARTTLS with verification: %v", err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", "u", "wrong")); code(err) != 535 {
		t.Errorf("bad password: %v", err)
	}
	if err := c.Auth(sasl.NewPlainClient("", "u", "p")); err != nil {
		t.Fatalf("AUTH: %v", err)
	}
	if err := c.SendMail("a@src.test", []string{"b@dst.test"}, strings.NewReader("z\r\n")); err != nil {
		t.Fatal(err)
	}
	m := s.Messages()[0]
	if !m.TLS || m.AuthUser != "u" {
		t.Errorf("TLS %v, auth user %q", m.TLS, m.AuthUser)
	}
}

func TestNoSTARTTLSByDefault(t *testing.T) {
	s := Start(t, Options{})
	if ok, _ := dial(t, s).Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered without Options.TLS")
	}
}

func TestDelayStallsAndCloseEndsIt(t *testing.T) {
	s := Start(t, Options{Delay: map[string]time.Duration{StageMail: time.Hour}})
	c, r, _ := raw(t, s)
	c.Write([]byte("EHLO x.test\r\nMAIL FROM:<a@b.test>\r\n"))
	for line, _ := r.ReadString('\n'); strings.HasPrefix(line, "250-"); line, _ = r.ReadString('\n') {
	}
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := r.ReadString('\n'); !isTimeout(err) {
		t.Fatalf("MAIL answered during a 1 h delay: %v", err)
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked on a delayed reply")
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestWaitCount(t *testing.T) {
	s := Start(t, Options{CountOnly: true})
	go func() {
		c, err := smtp.Dial(s.Addr())
		if err != nil {
			return
		}
		defer c.Close()
		for range 3 {
			c.SendMail("a@src.test", []string{"b@dst.test"}, strings.NewReader("x\r\n"))
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitCount(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if len(s.Messages()) != 0 {
		t.Errorf("CountOnly kept %d messages", len(s.Messages()))
	}
	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if err := s.WaitCount(short, 4); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitCount past the count: %v", err)
	}
}
