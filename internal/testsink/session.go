package testsink

import (
	"bytes"
	"io"
	"net"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// session is one SMTP session; go-smtp makes a new one after EHLO and again
// after STARTTLS.
type session struct {
	sink     *Sink
	conn     *conn // nil if go-smtp ever hands over a connection we did not wrap
	remote   net.Addr
	helo     string
	tls      bool
	authUser string

	from string
	mail smtp.MailOptions
	to   []string
	buf  bytes.Buffer
}

func (s *Sink) newSession(c *smtp.Conn) (smtp.Session, error) {
	if rerr := s.respond(StageHelo, c.Hostname()); rerr != nil {
		return nil, rerr
	}
	_, isTLS := c.TLSConnectionState()
	ss := &session{sink: s, remote: c.Conn().RemoteAddr(), helo: c.Hostname(), tls: isTLS}
	ss.conn = findConn(c.Conn())
	if s.opts.Auth != nil {
		return &authSession{ss}, nil
	}
	return ss, nil
}

// findConn digs our wrapper out from under a TLS connection.
func findConn(nc net.Conn) *conn {
	for {
		switch c := nc.(type) {
		case *conn:
			return c
		case interface{ NetConn() net.Conn }:
			nc = c.NetConn()
		default:
			return nil
		}
	}
}

// reply turns a programmed refusal into the error go-smtp writes, arranging
// for a 421 to close the connection as it promises.
func (ss *session) reply(rerr *smtp.SMTPError) error {
	if rerr == nil {
		return nil
	}
	if rerr == ResetConn && ss.conn != nil {
		ss.conn.reset()
		return rerr
	}
	if rerr.Code == 421 && ss.conn != nil {
		ss.conn.closeAfter.Store(true)
	}
	return rerr
}

func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	if err := ss.reply(ss.sink.respondTo(hostOf(ss.remote), StageMail, from)); err != nil {
		return err
	}
	ss.from = from
	if opts != nil {
		ss.mail = *opts
	}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.reply(ss.sink.respondTo(hostOf(ss.remote), StageRcpt, to)); err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	ss.buf.Reset()
	if _, err := ss.buf.ReadFrom(r); err != nil {
		return err // go-smtp maps its own errors (552 too large) to replies
	}
	arg := ""
	if ss.sink.opts.Respond != nil || ss.sink.opts.RespondClient != nil {
		arg = ss.buf.String()
	}
	if err := ss.reply(ss.sink.respondTo(hostOf(ss.remote), StageData, arg)); err != nil {
		return err
	}
	ss.sink.record(ss.received(), hostOf(ss.remote))
	return nil
}

func (ss *session) received() Received {
	r := Received{
		From: ss.from, RemoteAddr: ss.remote.String(), Helo: ss.helo, AuthUser: ss.authUser,
		At: time.Now(), TLS: ss.tls, UTF8: ss.mail.UTF8, Body: string(ss.mail.Body), Size: ss.mail.Size,
		RequireTLS: ss.mail.RequireTLS,
	}
	if !ss.sink.opts.CountOnly {
		r.To = append([]string(nil), ss.to...)
		r.Data = bytes.Clone(ss.buf.Bytes())
	}
	return r
}

func (ss *session) Reset() {
	ss.from, ss.mail, ss.to = "", smtp.MailOptions{}, ss.to[:0]
}

func (ss *session) Logout() error { return nil }

// authSession adds AUTH PLAIN when the sink has users.
type authSession struct{ *session }

func (as *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (as *authSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if want, ok := as.sink.opts.Auth[user]; !ok || want != pass || (identity != "" && identity != user) {
			return smtp.ErrAuthFailed
		}
		as.authUser = user
		return nil
	}), nil
}
