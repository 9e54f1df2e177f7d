package reception

import (
	"bytes"
	"context"
	"errors"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/mta/intake"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
)

// Transfer is the optional check of a message another node of the fleet
// moves here (wasmta xfer): given the value of the header field Options.
// TransferHeader and the envelope and body it must be bound to, it
// returns the message's identity (ID, tenant, campaign, metadata,
// reception time, REQUIRETLS), or an error when the field is not the
// fleet's or not this message's. taken, called once the message is
// spooled, notes it as received; ErrTransferred says it was already, so
// the sender, which lost the reply or replays, gets 250 and no copy is
// made.
type Transfer func(ctx context.Context, value, sender string, rcpts []string, body []byte) (m *message.Message, taken func(), err error)

// ErrTransferred: the transfer was already taken here.
var ErrTransferred = errors.New("reception: this transfer was already taken")

var errXfer = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
	Message: "transfer header not signed by this fleet"}

// transferValue returns the value of data's first field when it is the
// transfer header, and the data after that field.
func (s *Server) transferValue(data []byte) (string, []byte, bool) {
	name := s.opts.TransferHeader
	if s.opts.Transfer == nil || name == "" || len(data) <= len(name)+1 ||
		!bytes.EqualFold(data[:len(name)], []byte(name)) || data[len(name)] != ':' {
		return "", nil, false
	}
	end := bytes.Index(data, []byte("\r\n"))
	if end < 0 {
		return "", nil, false
	}
	return string(data[len(name)+1 : end]), data[end+2:], true
}

// acceptTransfer spools a message another node transferred: the body as
// that node stored it (signed and traced already), under its own id,
// tenant and campaign; no policy runs on it again (it ran where the
// message was received).
func (s *session) acceptTransfer(tx *transaction, value string, body []byte) error {
	tmpl, taken, err := s.srv.opts.Transfer(s.srv.ctx, value, tx.sender, tx.rcpts, body)
	if errors.Is(err, ErrTransferred) {
		s.srv.log.Info("reception: transfer already taken", "peer", s.peerStr)
		return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: "OK: already taken"}
	}
	if err != nil {
		s.srv.log.Warn("reception: transfer refused", "peer", s.peerStr, "err", err)
		return s.reject(errXfer, tx, "", "xfer", "")
	}
	env := intake.Envelope{Tenant: tmpl.Tenant, Campaign: tmpl.Campaign, Sender: tx.sender, Recipients: tx.rcpts,
		Meta: tmpl.Meta, Peer: s.peerStr, Helo: tx.helo, AuthUser: s.authUser, Protocol: s.protocol()}
	m := intake.NewMessage(&env, &policy.MessageResult{}, tmpl.ID, tmpl.ReceivedAt)
	m.RequireTLS = tmpl.RequireTLS
	reply := s.submit(tx, m, bytes.Clone(body)) // data is a pooled buffer
	if se, ok := reply.(*smtp.SMTPError); ok && se.Code == 250 && taken != nil {
		taken()
	}
	return reply
}
