package providersim

import (
	"errors"
	"io"

	"github.com/emersion/go-smtp"
)

// errShuttingDown answers a command interrupted by Close.
var errShuttingDown = &smtp.SMTPError{
	Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service shutting down",
}

// backend makes one session per EHLO for a host.
type backend struct {
	h    *host
	done <-chan struct{}
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	tc := unwrapTracked(c.Conn())
	if tc == nil {
		return nil, errors.New("providersim: connection not from the gate")
	}
	s := &session{h: b.h, done: b.done, conn: tc, ip: clientIP(tc.RemoteAddr())}
	if !s.wait(b.h.p.Latency.EHLO) {
		return nil, errShuttingDown
	}
	return s, nil
}

// session plays the provider's side of one SMTP session. The throttling
// and failure decisions are taken once per transaction, at MAIL FROM, and
// answered at the stage the provider answers them.
type session struct {
	h    *host
	done <-chan struct{}
	conn *trackedConn
	ip   string

	throttled bool // this transaction is over the rate budget
	failing   bool // this transaction drew a random temporary failure
	rcpts     int  // recipients accepted in this transaction
}

func (s *session) wait(d Delay) bool {
	return sleepOrDone(s.done, s.h.dice.delay(d))
}

func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	if !s.wait(s.h.p.Latency.Mail) {
		return errShuttingDown
	}
	s.Reset()
	p := &s.h.p
	if p.MaxMsgsPerConn > 0 && s.conn.messages.Load() >= int64(p.MaxMsgsPerConn) {
		return s.refuse(p.MsgsPerConnReply, "", func(c *Counters) { c.MsgsPerConn++ })
	}
	s.throttled = !s.h.takeToken(s.ip)
	s.failing = s.h.dice.failNow(p.TempFailRate)
	return s.verdict(StageMail, "")
}

func (s *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	if !s.wait(s.h.p.Latency.Rcpt) {
		return errShuttingDown
	}
	p := &s.h.p
	if s.throttled && p.ThrottleAt == StageRcpt {
		return s.verdict(StageRcpt, to)
	}
	if p.isUnknown(to) {
		return s.refuse(p.UnknownUserReply, to, func(c *Counters) { c.UnknownUsers++ })
	}
	if err := s.verdict(StageRcpt, to); err != nil {
		return err
	}
	s.rcpts++
	return nil
}

func (s *session) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	if !s.wait(s.h.p.Latency.DataEnd) {
		return errShuttingDown
	}
	if err := s.verdict(StageData, ""); err != nil {
		return err
	}
	s.h.accept(s.ip, s.rcpts)
	s.conn.messages.Add(1)
	return nil
}

// verdict answers the transaction's throttling or failure if it is due at
// stage, throttling first.
func (s *session) verdict(stage Stage, rcpt string) error {
	p := &s.h.p
	if s.throttled && p.ThrottleAt == stage {
		return s.refuse(p.ThrottleReply, rcpt, func(c *Counters) { c.Throttled++ })
	}
	if s.failing && p.TempFailAt == stage {
		return s.refuse(p.TempFailReply, rcpt, func(c *Counters) { c.TempFailures++ })
	}
	return nil
}

// refuse counts and renders a reply, arranging the hang-up it asks for.
func (s *session) refuse(r Reply, rcpt string, count func(*Counters)) error {
	s.h.count(s.ip, count)
	if r.Close {
		s.conn.hangUp.Store(true)
	}
	return r.smtpError(replyVars{ip: s.ip, host: s.h.p.Hostname, rcpt: rcpt, id: s.h.dice.id()})
}

func (s *session) Reset() {
	s.throttled, s.failing, s.rcpts = false, false, 0
}

func (s *session) Logout() error { return nil }
