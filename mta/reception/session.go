package reception

import (
	"crypto/tls"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/intake"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
)

// session is one SMTP session (go-smtp makes a new one after STARTTLS).
// go-smtp calls it from the connection's goroutine, except Data during
// BDAT, which runs in its own goroutine while the connection goroutine may
// call Reset or Logout: tx is guarded by mu for that case.
type session struct {
	srv      *Server
	conn     *smtp.Conn
	tc       *trackedConn // nil only for connections not accepted by Serve
	peer     netip.AddrPort
	peerStr  string
	peerIP   string // peerStr's host: the policy input peer.ip, split once per session
	tls      *events.TLS
	relayNet bool
	trusted  bool // in TrustedNets
	loopback bool
	// fixHeaders: the client is in HeaderFixNets (Date, Message-ID)
	fixHeaders bool

	authUser, authTenant string
	authed               bool

	errors int               // counted by failed (errors.go)
	hungUp atomic.Bool       // hangUp closed the connection
	rej    sessionRejections // Rejection records written and counted
	meter  intake.Meter      // the DATA under way's share of the data in flight

	mu sync.Mutex
	tx transaction
}

// transaction is the state of one MAIL ... DATA exchange.
type transaction struct {
	active   bool
	helo     string
	sender   string
	utf8     bool
	sizeHint int64
	tenant   string
	campaign string
	meta     map[string]string
	limits   Limits
	rcpts    []string
	// requireTLS: MAIL FROM carried REQUIRETLS (RFC 8689).
	requireTLS bool
}

var _ smtp.AuthSession = (*session)(nil)

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	growStack(0)
	nc := c.Conn()
	ss := &session{srv: s, conn: c, peer: addrPortOf(nc.RemoteAddr())}
	ss.peerStr = ss.peer.String()
	ss.peerIP = hostOf(ss.peerStr)
	if st, ok := c.TLSConnectionState(); ok {
		ss.tls = &events.TLS{Version: tls.VersionName(st.Version), Cipher: tls.CipherSuiteName(st.CipherSuite)}
		nc = c.Conn().(*tls.Conn).NetConn()
	}
	ss.tc, _ = nc.(*trackedConn)
	addr := ss.peer.Addr()
	ss.loopback = addr.IsLoopback()
	ss.relayNet = addr.IsValid() && s.inRelayNets(addr)
	ss.trusted = addr.IsValid() && inNets(s.opts.TrustedNets, addr)
	ss.fixHeaders = addr.IsValid() && inNets(s.opts.HeaderFixNets, addr)
	return ss, nil
}

// protocol is the RFC 3848 "with" keyword of the session.
func (s *session) protocol() string {
	switch {
	case s.tls != nil && s.authed:
		return "ESMTPSA"
	case s.tls != nil:
		return "ESMTPS"
	case s.authed:
		return "ESMTPA"
	}
	return "ESMTP"
}

func (s *session) policyPeer(helo string) policy.Peer {
	return policy.Peer{Addr: s.peerStr, IP: s.peerIP, Helo: helo, AuthUser: s.authUser, TLS: s.tls != nil}
}

// Mail starts a transaction: address check, on_mail_from, tenant limits.
func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	if s.inTransaction() {
		return s.failed(errNestedMail, "sequence") // go-smtp would let a second MAIL replace the first
	}
	sender, rerr := checkAddress(from, opts.UTF8, true)
	if rerr != nil {
		return s.failed(rerr, "syntax")
	}
	if opts.RequireTLS && s.tls == nil {
		// go-smtp offers REQUIRETLS only over TLS but accepts the
		// parameter anyway (RFC 8689 section 4: only over TLS).
		return s.failed(errRequireTLSClear, "syntax")
	}
	tx := transaction{active: true, helo: s.conn.Hostname(), sender: sender, utf8: opts.UTF8, tenant: s.authTenant,
		requireTLS: opts.RequireTLS}
	res := s.srv.guard.MailFrom(s.srv.ctx, &policy.MailFromInput{
		Peer: s.policyPeer(tx.helo), Tenant: tx.tenant, Sender: sender,
	})
	if res.Reject != nil {
		return s.reject(replyError(res.Reject), &tx, "", "policy", policy.HookMailFrom)
	}
	if res.Tenant != "" {
		tx.tenant = res.Tenant
	}
	tx.campaign, tx.meta = res.Campaign, res.Meta
	tx.limits = s.srv.intake.Limits(tx.tenant)
	if opts.Size > tx.limits.MaxMessageBytes {
		return s.reject(errTooBig, &tx, "", "size", "")
	}
	if opts.Size > s.srv.intake.Budget().Free() {
		return s.reject(errMemory, &tx, "", "memory", "")
	}
	if ok, _ := s.srv.intake.Take(tx.tenant, 1, time.Now()); !ok {
		return s.reject(errRate, &tx, "", "rate", "")
	}
	tx.sizeHint = opts.Size
	s.mu.Lock()
	s.tx = tx
	s.mu.Unlock()
	if s.tc != nil {
		s.tc.busy.Store(true)
	}
	return nil
}

// Rcpt adds a recipient: address check, relay check, limits, on_rcpt.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.mu.Lock()
	tx := s.tx
	s.mu.Unlock()
	rcpt, rerr := checkAddress(to, tx.utf8, false)
	if rerr != nil {
		return s.failed(rerr, "syntax")
	}
	if !s.authed && !s.relayNet {
		return s.reject(errRelay, &tx, rcpt, "relay", "")
	}
	if len(tx.rcpts) >= tx.limits.MaxRecipients {
		return s.reject(errTooManyRcpts, &tx, rcpt, "recipients", "")
	}
	res := s.srv.guard.Rcpt(s.srv.ctx, &policy.RcptInput{
		Peer: s.policyPeer(tx.helo), Tenant: tx.tenant, Campaign: tx.campaign,
		Sender: tx.sender, Recipient: rcpt,
	})
	if res.Reject != nil {
		return s.reject(replyError(res.Reject), &tx, rcpt, "policy", policy.HookRcpt)
	}
	s.mu.Lock()
	s.tx.rcpts = append(s.tx.rcpts, rcpt)
	s.mu.Unlock()
	return nil
}

// Reset ends the transaction (RSET, EHLO, end of DATA, aborted BDAT).
func (s *session) Reset() {
	s.mu.Lock()
	s.tx = transaction{}
	s.mu.Unlock()
	if s.tc != nil {
		s.tc.busy.Store(false)
	}
}

// Logout ends the session, with the summary of the Rejection records it
// only counted.
func (s *session) Logout() error {
	s.Reset()
	if rec := s.rej.summary(time.Now(), s.peerStr); rec != nil {
		rec.Protocol, rec.TLS = s.protocol(), s.tls
		s.srv.rejections.record(rec)
	}
	return nil
}

// authAllowed: AUTH is offered when configured, and, with AuthRequireTLS,
// only over TLS or to loopback clients.
func (s *session) authAllowed() bool {
	return s.tls != nil || s.loopback || !s.srv.opts.AuthRequireTLS
}

// AuthMechanisms lists what EHLO advertises.
func (s *session) AuthMechanisms() []string {
	if s.srv.opts.Auth == nil || !s.authAllowed() {
		return nil
	}
	return []string{sasl.Plain}
}

// Auth starts a SASL exchange; PLAIN maps the login to a tenant.
func (s *session) Auth(mech string) (sasl.Server, error) {
	switch {
	case s.srv.opts.Auth == nil:
		return nil, smtp.ErrAuthUnsupported
	case !s.authAllowed():
		return nil, errEncryptionRequired
	case s.inTransaction():
		return nil, errAuthInTransaction
	case !strings.EqualFold(mech, sasl.Plain):
		return nil, smtp.ErrAuthUnknownMechanism
	case s.srv.authFails.over(s.peer.Addr(), s.srv.opts.AuthFailureLimit, s.srv.opts.AuthFailureWindow, time.Now()):
		// Before any password check: a guessing client costs no bcrypt.
		s.hangUp(nil, errAuthLimit, "auth-limit")
		return nil, errAuthLimit
	}
	return sasl.NewPlainServer(s.authenticate), nil
}

func (s *session) authenticate(identity, username, password string) error {
	if identity != "" && identity != username {
		return s.authFailed(username)
	}
	tenant, err := s.srv.opts.Auth.Authenticate(s.srv.ctx, username, password)
	if err != nil {
		s.srv.log.Debug("reception: auth failed", "peer", s.peerStr, "user", username, "err", err)
		return s.authFailed(username)
	}
	s.authUser, s.authTenant, s.authed = username, tenant, true
	return nil
}

func (s *session) authFailed(username string) error {
	now := time.Now()
	s.srv.authFails.add(s.peer.Addr(), s.srv.opts.AuthFailureWindow, now)
	s.record(&events.Record{
		Type: events.Rejection, Time: now, Peer: s.peerStr, Protocol: s.protocol(),
		TLS: s.tls, Reason: "auth", Response: response(smtp.ErrAuthFailed),
		Meta: map[string]string{"auth_user": username},
	})
	return s.failed(smtp.ErrAuthFailed, "auth")
}

func (s *session) inTransaction() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tx.active
}

// reject records a refusal that matters, counts it as an error of the
// session, and returns e for the client.
func (s *session) reject(e *smtp.SMTPError, tx *transaction, rcpt, reason, hook string) error {
	s.record(&events.Record{
		Type: events.Rejection, Time: time.Now(), Tenant: tx.tenant, Campaign: tx.campaign,
		Sender: tx.sender, Recipient: rcpt, Recipients: len(tx.rcpts), Peer: s.peerStr,
		Protocol: s.protocol(), TLS: s.tls, Reason: reason, Hook: hook, Response: response(e),
	})
	s.srv.log.Debug("reception: refused", "peer", s.peerStr, "reason", reason, "code", e.Code, "text", e.Message)
	return s.failed(e, reason)
}

// record writes a Rejection record of the session, within the session's
// and the server's record limits.
func (s *session) record(rec *events.Record) {
	if s.rej.admit(rec.Reason, s.srv.opts.RecordsPerSession) {
		s.srv.rejections.record(rec)
	}
}

func response(e *smtp.SMTPError) *message.Response {
	return &message.Response{Code: e.Code, Enhanced: enhancedString(e.EnhancedCode), Text: e.Message}
}

// hostOf is peerStr's host, as net.SplitHostPort gives it (the policy
// host's peer.ip), else the whole string.
func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
