package delivery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/message"
)

var ctx = context.Background()

// modes runs f with BDAT (the default against go-smtp) and with DATA.
func modes(t *testing.T, f func(t *testing.T, opts Options)) {
	t.Run("bdat", func(t *testing.T) { f(t, Options{}) })
	t.Run("data", func(t *testing.T) { f(t, Options{NoChunking: true}) })
}

func codes(rs []message.Response) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%d %s;", r.Code, r.Enhanced)
	}
	return b.String()
}

func TestPipeliningIsOneWrite(t *testing.T) {
	for _, tt := range []struct {
		name      string
		opts      Options
		wantReads int64
	}{
		{"bdat: envelope and body in one write", Options{}, 1},
		{"data: envelope, then body", Options{NoChunking: true}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sink := testsink.Start(t, testsink.Options{})
			s := dialSink(t, sink, tt.opts)
			before := sink.Reads()
			res, err := s.Deliver(ctx, "a@src.test", []string{"b@dst.test", "c@dst.test", "d@dst.test"}, []byte("Subject: x\r\n\r\nhi\r\n"))
			if err != nil || res.Response.Code != 250 {
				t.Fatalf("Deliver: %+v %v", res, err)
			}
			if got := sink.Reads() - before; got != tt.wantReads {
				t.Errorf("the sink needed %d reads for a 3-recipient message, want %d", got, tt.wantReads)
			}
		})
	}
}

func TestLockstepWithoutPipelining(t *testing.T) {
	for _, ext := range [][]string{{"8BITMIME"}, {"CHUNKING"}} {
		t.Run(ext[0], func(t *testing.T) {
			data := make(chan string, 1)
			rs := startRaw(t, func(n int, c *rawConn) {
				sc := &smtpScript{ehlo: ext, data: data, check: func(cmd string, buffered int) {
					if buffered > 0 && !strings.HasPrefix(cmd, "BDAT") {
						t.Errorf("client sent more after %q without waiting for the reply (%d bytes)", cmd, buffered)
					}
				}}
				sc.serve(c)
			})
			s, err := Dial(ctx, rs.addr(), "raw.test", Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			res, err := s.Deliver(ctx, "a@src.test", []string{"b@dst.test", "c@dst.test"}, []byte("..x\r\n"))
			if err != nil || res.Response.Code != 250 || codes(res.Rcpt) != "250 2.0.0;250 2.0.0;" {
				t.Fatalf("Deliver: %+v %v", res, err)
			}
			if got := <-data; got != "..x\r\n" {
				t.Errorf("body %q", got)
			}
		})
	}
}

func refuse(code int, enh smtp.EnhancedCode, msg string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: msg}
}

func TestPerRecipientResults(t *testing.T) {
	modes(t, func(t *testing.T, opts Options) {
		sink := testsink.Start(t, testsink.Options{Respond: func(stage, arg string, _ int) *smtp.SMTPError {
			switch {
			case stage == "rcpt" && strings.HasPrefix(arg, "later@"):
				return refuse(450, smtp.EnhancedCode{4, 2, 1}, "try later")
			case stage == "rcpt" && strings.HasPrefix(arg, "nobody@"):
				return refuse(550, smtp.EnhancedCode{5, 1, 1}, "no such user")
			}
			return nil
		}})
		s := dialSink(t, sink, opts)
		res, err := s.Deliver(ctx, "a@src.test", []string{"ok@dst.test", "later@dst.test", "nobody@dst.test", "ok2@dst.test"}, []byte("x\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		if got := codes(res.Rcpt); got != "250 2.0.0;450 4.2.1;550 5.1.1;250 2.0.0;" {
			t.Errorf("recipient replies %s", got)
		}
		if res.Response.Code != 250 || res.Rcpt[2].Text != "no such user" {
			t.Errorf("result %+v", res)
		}
		if m := sink.Messages(); len(m) != 1 || strings.Join(m[0].To, ",") != "ok@dst.test,ok2@dst.test" {
			t.Errorf("sink got %+v", m)
		}
	})
}

func TestRefusedTransactionsLeaveSessionReady(t *testing.T) {
	modes(t, func(t *testing.T, opts Options) {
		sink := testsink.Start(t, testsink.Options{Respond: func(stage, arg string, _ int) *smtp.SMTPError {
			switch {
			case stage == "mail" && arg == "blocked@src.test":
				return refuse(550, smtp.EnhancedCode{5, 7, 1}, "sender blocked")
			case stage == "rcpt" && strings.HasPrefix(arg, "no"):
				return refuse(550, smtp.EnhancedCode{5, 1, 1}, "unknown "+arg)
			case stage == "data" && strings.Contains(arg, "spam"):
				return refuse(554, smtp.EnhancedCode{5, 7, 1}, "content refused")
			}
			return nil
		}})
		s := dialSink(t, sink, opts)
		steps := []struct {
			from, body string
			rcpts      []string
			resp, rcpt string
		}{
			{"blocked@src.test", "x\r\n", []string{"a@dst.test", "b@dst.test"}, "550 5.7.1;", "550 5.7.1;550 5.7.1;"},
			{"a@src.test", "x\r\n", []string{"no1@dst.test", "no2@dst.test"}, "550 5.1.1;", "550 5.1.1;550 5.1.1;"},
			{"a@src.test", "spam\r\n", []string{"a@dst.test"}, "554 5.7.1;", "250 2.0.0;"},
			{"a@src.test", "good\r\n", []string{"a@dst.test"}, "250 2.0.0;", "250 2.0.0;"},
		}
		for i, st := range steps {
			res, err := s.Deliver(ctx, st.from, st.rcpts, []byte(st.body))
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if codes([]message.Response{res.Response}) != st.resp || codes(res.Rcpt) != st.rcpt {
				t.Errorf("step %d: response %s recipients %s, want %s %s", i, codes([]message.Response{res.Response}), codes(res.Rcpt), st.resp, st.rcpt)
			}
		}
		if sink.Count() != 1 || sink.Stage("data") != 2 || sink.Conns() != 1 {
			t.Errorf("sink: %d messages, %d data stages, %d connections; want 1, 2, 1", sink.Count(), sink.Stage("data"), sink.Conns())
		}
		if m := sink.Messages(); string(m[0].Data) != "good\r\n" {
			t.Errorf("delivered %q", m[0].Data)
		}
	})
}

func Test421EndsSession(t *testing.T) {
	for _, stage := range []string{"mail", "rcpt", "data"} {
		t.Run(stage, func(t *testing.T) {
			sink := testsink.Start(t, testsink.Options{Respond: func(st, _ string, n int) *smtp.SMTPError {
				if st == stage && n == 2 {
					return refuse(421, smtp.EnhancedCode{4, 7, 0}, "too busy")
				}
				return nil
			}})
			s := dialSink(t, sink, Options{})
			if _, err := s.Deliver(ctx, "a@src.test", []string{"b@dst.test"}, []byte("1\r\n")); err != nil {
				t.Fatal(err)
			}
			_, err := s.Deliver(ctx, "a@src.test", []string{"b@dst.test"}, []byte("2\r\n"))
			de := asError(t, err)
			if de.Stage != stage || de.Response.Code != 421 || de.Response.Enhanced != "4.7.0" || !de.Temporary || de.MaybeDelivered {
				t.Errorf("error %+v", de)
			}
			if _, err := s.Deliver(ctx, "a@src.test", []string{"b@dst.test"}, []byte("3\r\n")); !errors.Is(err, ErrUnusable) {
				t.Errorf("Deliver after 421: %v", err)
			}
			if err := s.Reset(ctx); !errors.Is(err, ErrUnusable) {
				t.Errorf("Reset after 421: %v", err)
			}
		})
	}
}

func TestStallingServer(t *testing.T) {
	tests := []struct {
		stage     string
		opts      Options
		maybeSent bool
	}{
		{"mail", Options{CommandTimeout: 200 * time.Millisecond}, true}, // BDAT: the body left with MAIL
		{"mail", Options{CommandTimeout: 200 * time.Millisecond, NoChunking: true}, false},
		{"rcpt", Options{CommandTimeout: 200 * time.Millisecond, NoChunking: true}, false},
		{"data", Options{DataTimeout: 200 * time.Millisecond, NoChunking: true}, true},
		{"data", Options{DataTimeout: 200 * time.Millisecond}, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/chunking=%v", tt.stage, !tt.opts.NoChunking), func(t *testing.T) {
			sink := testsink.Start(t, testsink.Options{Delay: map[string]time.Duration{tt.stage: time.Hour}})
			s := dialSink(t, sink, tt.opts)
			start := time.Now()
			_, err := s.Deliver(ctx, "a@src.test", []string{"b@dst.test"}, []byte("x\r\n"))
			de := asError(t, err)
			if de.Stage != tt.stage || !de.Temporary || de.MaybeDelivered != tt.maybeSent || de.Response.Code != 0 {
				t.Errorf("error %+v, want stage %s maybe delivered %v", de, tt.stage, tt.maybeSent)
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Errorf("a 200ms timeout fired after %v", el)
			}
		})
	}
}

func TestContextCancelsDeliver(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{Delay: map[string]time.Duration{"mail": time.Hour}})
	s := dialSink(t, sink, Options{CommandTimeout: time.Minute})
	c, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Deliver(c, "a@src.test", []string{"b@dst.test"}, []byte("x\r\n"))
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("after %v: %v", time.Since(start), err)
	}
}

func TestDotStuffingRoundTrip(t *testing.T) {
	bodies := []struct{ in, want string }{
		{"Subject: dots\r\n\r\n.\r\n..\r\n...x\r\n.a.b.\r\nend\r\n", "Subject: dots\r\n\r\n.\r\n..\r\n...x\r\n.a.b.\r\nend\r\n"},
		{".first line\r\nlast line without ending", ".first line\r\nlast line without ending\r\n"},
		{"bare\nlf\n.\nx", "bare\r\nlf\r\n.\r\nx\r\n"},
		{"bare\rcr\r.\r", "bare\r\ncr\r\n.\r\n"},
		{"smuggle\r\n\r\n.\r\nMAIL FROM:<x@y>\r\n", "smuggle\r\n\r\n.\r\nMAIL FROM:<x@y>\r\n"},
		{"8bit: caf\xc3\xa9\r\n", "8bit: caf\xc3\xa9\r\n"},
		{strings.Repeat(".", 997) + "\r\n" + strings.Repeat("y\r\n", 20000), strings.Repeat(".", 997) + "\r\n" + strings.Repeat("y\r\n", 20000)},
	}
	modes(t, func(t *testing.T, opts Options) {
		sink := testsink.Start(t, testsink.Options{})
		s := dialSink(t, sink, opts)
		for i, b := range bodies {
			res, err := s.Deliver(ctx, "a@src.test", []string{"b@dst.test"}, []byte(b.in))
			if err != nil || res.Response.Code != 250 {
				t.Fatalf("body %d: %+v %v", i, res, err)
			}
			if got := string(sink.Messages()[i].Data); got != b.want {
				t.Errorf("body %d: sink got %q, want %q", i, got, b.want)
			}
		}
	})
}

func TestMailParameters(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{SMTPUTF8: true, MaxSize: 1000})
	s := dialSink(t, sink, Options{})
	body := []byte("caf\xc3\xa9\nx\r\n")
	res, err := s.Deliver(ctx, "a@src.test", []string{"j\xc3\xb6rg@dst.test"}, body)
	if err != nil || res.Response.Code != 250 {
		t.Fatalf("%+v %v", res, err)
	}
	m := sink.Messages()[0]
	if !m.UTF8 || m.Body != "8BITMIME" || m.Size != int64(len("caf\xc3\xa9\r\nx\r\n")) {
		t.Errorf("MAIL parameters: SMTPUTF8 %v, BODY %q, SIZE %d", m.UTF8, m.Body, m.Size)
	}
	res, _ = s.Deliver(ctx, "a@src.test", []string{"b@dst.test"}, make([]byte, 2000))
	if res.Response.Code != 552 || res.Rcpt[0].Enhanced != "5.3.4" || sink.Stage("mail") != 1 {
		t.Errorf("oversized message: %+v, %d MAIL commands seen", res, sink.Stage("mail"))
	}
	res, _ = s.Deliver(ctx, "a@src.test", []string{"b@dst.test"}, []byte("plain ascii\r\n"))
	if m := sink.Messages()[1]; m.UTF8 || m.Body != "" || res.Response.Code != 250 {
		t.Errorf("ASCII message got SMTPUTF8 %v BODY %q", m.UTF8, m.Body)
	}
}

func TestLocalRefusals(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{}) // no SMTPUTF8
	s := dialSink(t, sink, Options{})
	res, err := s.Deliver(ctx, "a@src.test",
		[]string{"j\xc3\xb6rg@dst.test", "ok@dst.test", "x@y>\r\nRSET", ""}, []byte("x\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(res.Rcpt); got != "553 5.6.7;250 2.0.0;501 5.1.3;501 5.1.3;" {
		t.Errorf("recipient replies %s", got)
	}
	if m := sink.Messages(); len(m) != 1 || strings.Join(m[0].To, ",") != "ok@dst.test" || sink.Stage("rcpt") != 1 {
		t.Errorf("sink: %+v, %d RCPT", m, sink.Stage("rcpt"))
	}
	res, err = s.Deliver(ctx, "s\xc3\xa9@src.test", []string{"ok@dst.test"}, []byte("x\r\n"))
	if err != nil || res.Response.Code != 553 || sink.Stage("mail") != 1 {
		t.Errorf("non-ASCII sender without SMTPUTF8: %+v %v", res, err)
	}
}

func TestReuseWithRset(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{CountOnly: true})
	s := dialSink(t, sink, Options{})
	body := []byte(strings.Repeat("line of text\r\n", 50))
	for i := range 100 {
		res, err := s.Deliver(ctx, "a@src.test", []string{fmt.Sprintf("r%d@dst.test", i)}, body)
		if err != nil || res.Response.Code != 250 {
			t.Fatalf("message %d: %+v %v", i, res, err)
		}
		if err := s.Reset(ctx); err != nil {
			t.Fatalf("RSET %d: %v", i, err)
		}
	}
	if sink.Count() != 100 || sink.Conns() != 1 {
		t.Errorf("sink: %d messages over %d connections, want 100 over 1", sink.Count(), sink.Conns())
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
