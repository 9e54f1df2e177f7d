package sink

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

func startSink(t *testing.T, m Mode) *Sink {
	t.Helper()
	s, err := Start("127.0.0.1:0", m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func send(t *testing.T, addr string, rcpts int, body string) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	var to []string
	for i := range rcpts {
		to = append(to, fmt.Sprintf("r%d@bench.example", i))
	}
	return c.SendMail("s@bench.example", to, strings.NewReader(body))
}

func TestSinkCountsMessagesAndTrackedArrivals(t *testing.T) {
	s := startSink(t, Accept)
	s.Track(10)
	long := strings.Repeat("x", 100000) // longer than the read buffer
	tests := []struct {
		name  string
		rcpts int
		body  string
	}{
		{"tracked", 2, "X-Bench-ID: 3\r\nSubject: a\r\n\r\nhello\r\n"},
		{"id in body is ignored", 1, "Subject: b\r\n\r\nX-Bench-ID: 4\r\n"},
		{"long line", 1, "x-bench-id:5\r\n\r\n" + long + "\r\n.\r\n"},
		{"dot-stuffed body", 3, "Subject: d\r\n\r\n.\r\n..\r\n.x\r\n"},
	}
	for _, tt := range tests {
		if err := send(t, s.Addr(), tt.rcpts, tt.body); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
	}
	c := s.Counts()
	if c.Messages != 4 || c.Rcpts != 7 || c.Conns != 4 {
		t.Errorf("counts = %+v, want 4 messages, 7 recipients, 4 connections", c)
	}
	if s.Arrival(3).IsZero() || s.Arrival(5).IsZero() {
		t.Error("tracked messages 3 and 5 have no arrival time")
	}
	if !s.Arrival(4).IsZero() {
		t.Error("an X-Bench-ID in the body was taken as the header")
	}
	var sum int64
	for _, n := range s.Timeline() {
		sum += n
	}
	if sum != 4 {
		t.Errorf("timeline holds %d arrivals, want 4", sum)
	}
}

func TestSinkDuplicateTracking(t *testing.T) {
	s := startSink(t, Accept)
	s.Track(2)
	for range 2 {
		if err := send(t, s.Addr(), 1, "X-Bench-ID: 1\r\n\r\nx\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	if d := s.Counts().Duplicates; d != 1 {
		t.Errorf("duplicates = %d, want 1", d)
	}
}

func TestSinkPipelinedBatchGetsAllAnswers(t *testing.T) {
	s := startSink(t, Accept)
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(c, "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\n")
	r := bufio.NewReader(c)
	var codes []string
	for len(codes) < 10 {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("after %v: %v", codes, err)
		}
		codes = append(codes, line[:3])
		if line[:3] == "354" {
			break
		}
	}
	want := "220 250 250 250 250 250 250 250 250 354"
	if got := strings.Join(codes, " "); got != want {
		t.Errorf("replies = %s, want %s", got, want)
	}
}

func TestSinkTempFailAndReset(t *testing.T) {
	s := startSink(t, TempFail)
	err := send(t, s.Addr(), 1, "x\r\n")
	var se *smtp.SMTPError
	if err == nil || !errors.As(err, &se) || se.Code != 451 {
		t.Fatalf("send to a deferring sink: %v, want 451", err)
	}
	if c := s.Counts(); c.Rejected != 1 || c.Messages != 0 {
		t.Errorf("counts = %+v", c)
	}
	s.SetMode(Accept)
	if err := send(t, s.Addr(), 1, "x\r\n"); err != nil {
		t.Fatal(err)
	}
	s.Reset()
	if c := s.Counts(); c.Messages != 0 || c.Rcpts != 0 || len(s.Timeline()) != 0 {
		t.Errorf("after Reset: %+v", c)
	}
}

func TestSinkStallNeverGreets(t *testing.T) {
	s := startSink(t, Stall)
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := c.Read(make([]byte, 10)); err == nil {
		t.Fatalf("stalling sink sent %d bytes", n)
	}
	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs on a stalled connection")
	}
}

func TestWaitRcpts(t *testing.T) {
	s := startSink(t, Accept)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.WaitRcpts(ctx, 1); err == nil {
		t.Error("WaitRcpts returned before anything arrived")
	}
	if err := send(t, s.Addr(), 2, "x\r\n"); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitRcpts(context.Background(), 2); err != nil {
		t.Error(err)
	}
}

func TestSinkStallMailAnswersEHLOOnly(t *testing.T) {
	s := startSink(t, StallMail)
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	fmt.Fprint(c, "EHLO x\r\nMAIL FROM:<a@b>\r\n")
	r := bufio.NewReader(c)
	var got []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			break
		}
		got = append(got, line[:4])
	}
	if want := "220 250-250-250-250-250 "; strings.Join(got, "") != want {
		t.Errorf("replies %q, want %q and nothing for MAIL", strings.Join(got, ""), want)
	}
}

func TestSinkCountsSignaturesAndKeepsASample(t *testing.T) {
	s := startSink(t, Accept)
	signed := "DKIM-Signature: v=1; a=rsa-sha256;\r\n\tb=abc\r\ndkim-signature: v=1; a=ed25519-sha256; b=def\r\n" +
		"Subject: s\r\n\r\n.leading dot\r\nDKIM-Signature: in the body, not counted\r\n"
	if err := send(t, s.Addr(), 1, "Subject: first\r\n\r\nunsigned\r\n"); err != nil {
		t.Fatal(err)
	}
	s.SampleNext()
	if err := send(t, s.Addr(), 1, signed); err != nil {
		t.Fatal(err)
	}
	if err := send(t, s.Addr(), 1, "Subject: after\r\n\r\nnot kept\r\n"); err != nil {
		t.Fatal(err)
	}
	if got := s.Counts().Signatures; got != 2 {
		t.Errorf("Signatures = %d, want 2", got)
	}
	if got := string(s.Sample()); got != signed {
		t.Errorf("Sample = %q, want the signed message as sent, dots unstuffed: %q", got, signed)
	}
}

func TestSinkDelaysEveryReply(t *testing.T) {
	s := startSink(t, Accept)
	s.SetDelay(50 * time.Millisecond)
	t0 := time.Now()
	// Greeting, EHLO, MAIL, RCPT, DATA and end of data: six replies the
	// client waits for (it may close without QUIT's).
	if err := send(t, s.Addr(), 1, "Subject: slow\r\n\r\nbody\r\n"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(t0); took < 6*50*time.Millisecond {
		t.Errorf("a session of six replies took %v, want at least 300 ms", took)
	}
}

// TestSinkChunking: with SetChunking, EHLO offers CHUNKING and a message
// sent as BDAT chunks, pipelined with its envelope, is counted and
// tracked like one sent with DATA; without it the sink offers none.
func TestSinkChunking(t *testing.T) {
	s := startSink(t, Accept)
	s.Track(10)
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	reply := func() string {
		t.Helper()
		var last string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("reading: %v", err)
			}
			last += line
			if len(line) < 4 || line[3] != '-' {
				return last
			}
		}
	}
	reply() // greeting
	fmt.Fprint(c, "EHLO x\r\n")
	if got := reply(); strings.Contains(got, "CHUNKING") {
		t.Fatalf("CHUNKING offered before SetChunking: %q", got)
	}
	s.SetChunking(true)
	fmt.Fprint(c, "EHLO x\r\n")
	if got := reply(); !strings.Contains(got, "250-CHUNKING\r\n") {
		t.Fatalf("EHLO reply %q does not offer CHUNKING", got)
	}
	head := "X-Bench-ID: 7\r\nSubject: a\r\n\r\n"
	body := strings.Repeat("line\r\n", 20000) // longer than the read buffer
	fmt.Fprintf(c, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nBDAT %d\r\n%s", len(head), head)
	fmt.Fprintf(c, "BDAT %d LAST\r\n%s", len(body), body)
	var codes []string
	for range 5 {
		codes = append(codes, reply()[:3])
	}
	if got := strings.Join(codes, " "); got != "250 250 250 250 250" {
		t.Fatalf("replies %s", got)
	}
	if cn := s.Counts(); cn.Messages != 1 || cn.Rcpts != 2 {
		t.Errorf("counts = %+v, want 1 message, 2 recipients", cn)
	}
	if at := s.Arrival(7); at.IsZero() {
		t.Error("message 7 not tracked")
	}
	fmt.Fprint(c, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 3 LAST\r\nx\r\n")
	for range 3 {
		reply()
	}
	if cn := s.Counts(); cn.Messages != 2 {
		t.Errorf("counts = %+v after a second message, want 2", cn)
	}
}
