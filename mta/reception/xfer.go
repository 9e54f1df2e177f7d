package reception

import (
	"bytes"
	"context"
	"errors"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/intake"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/spool"
)

// Transfer is the optional check of a message another node of the fleet
// moves here (wasmta xfer): given the value of the header field Options.
// TransferHeader, it returns the message's identity (ID, tenant,
// campaign, metadata, reception time, REQUIRETLS), or an error when the
// field is not the fleet's.
type Transfer func(ctx context.Context, value string) (*message.Message, error)

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
	tmpl, err := s.srv.opts.Transfer(s.srv.ctx, value)
	if err != nil {
		s.srv.log.Warn("reception: transfer refused", "peer", s.peerStr, "err", err)
		return s.reject(errXfer, tx, "", "xfer", "")
	}
	env := intake.Envelope{Tenant: tmpl.Tenant, Campaign: tmpl.Campaign, Sender: tx.sender, Recipients: tx.rcpts,
		Meta: tmpl.Meta, Peer: s.peerStr, Helo: tx.helo, AuthUser: s.authUser, Protocol: s.protocol()}
	m := intake.NewMessage(&env, &policy.MessageResult{}, tmpl.ID, tmpl.ReceivedAt)
	m.RequireTLS = tmpl.RequireTLS
	body = bytes.Clone(body) // data is a pooled buffer
	m.Size = int64(len(body))
	id := m.ID.String()
	spooled := func() {
		s.srv.records.Record(&events.Record{
			Type: events.Reception, Time: m.ReceivedAt, ID: id, Tenant: m.Tenant,
			Campaign: m.Campaign, Sender: m.Sender, Recipients: len(m.Recipients), Size: m.Size,
			Peer: m.Peer, Protocol: m.Protocol, TLS: s.tls, Meta: m.Meta,
		})
	}
	if err := s.srv.opts.Submitter.Submit(s.srv.ctx, m, body, spooled); err != nil {
		if errors.Is(err, spool.ErrFull) {
			return s.reject(errSpoolFull, tx, "", "spool-full", "")
		}
		s.srv.log.Error("reception: submit transfer", "id", id, "tenant", m.Tenant, "err", err)
		return s.reject(errSpool, tx, "", "spool", "")
	}
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: "OK: queued as " + id}
}
