package message

import (
	"strings"
	"time"
)

// Message is the envelope and bookkeeping of one accepted message. It is
// written once at reception and never changed afterwards except by admin
// actions (rebind); per-recipient progress lives in RcptState so that
// deliveries to different domains never contend on one record.
type Message struct {
	ID         ID
	Tenant     string // "" is the default tenant
	Campaign   string
	Sender     string // reverse path without brackets; "" is the null sender
	Recipients []Recipient
	ReceivedAt time.Time
	Size       int64 // body size in bytes, after trace and policy headers

	// Where it came from, for records and Received: headers.
	Peer     string // remote address ip:port, or "http" for the HTTP API
	Helo     string
	AuthUser string
	Protocol string // ESMTP, ESMTPS, ESMTPSA, HTTP ...

	// Meta is queue metadata set by reception policy or the HTTP API; it is
	// passed to route, select_pool and carried into records.
	Meta map[string]string

	// Pool, when set, overrides select_pool (admin rebind, or the tenant's
	// fixed pool).
	Pool string

	// RequireTLS: the message was submitted with REQUIRETLS (RFC 8689): it
	// is delivered only over TLS to an authenticated MX host that offers
	// REQUIRETLS too, and returned (5.7.30) otherwise.
	RequireTLS bool
}

// Recipient is one forward path of the envelope.
type Recipient struct {
	Addr string // local@domain, as given (case of the local part kept)
}

// Domain returns the lowercased domain of the recipient address, the unit
// that routing and the scheduled queue work on.
func (r Recipient) Domain() string { return Domain(r.Addr) }

// Domain returns the lowercased domain part of addr, or "" when it has none.
func Domain(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(addr[i+1:])
}

// Status is where one recipient stands.
type Status uint8

const (
	Pending   Status = iota // not yet attempted, or due for retry
	Deferred                // last attempt failed temporarily; Due says when to retry
	Delivered               // final: accepted by the next hop
	Bounced                 // final: permanent failure, admin bounce or expiry
)

// Final reports whether no further delivery attempt will be made.
func (s Status) Final() bool { return s == Delivered || s == Bounced }

func (s Status) String() string {
	switch s {
	case Pending:
		return "pending"
	case Deferred:
		return "deferred"
	case Delivered:
		return "delivered"
	case Bounced:
		return "bounced"
	}
	return "unknown"
}

// Response is an SMTP reply, or a connection failure described as one
// (Code 0, Text saying what failed).
type Response struct {
	Code     int    `json:"code"`
	Enhanced string `json:"enhanced_code,omitempty"`
	Text     string `json:"text"`
}

// RcptState is the delivery progress of one recipient.
type RcptState struct {
	Status   Status
	Attempts int
	Due      time.Time // next attempt, for Pending/Deferred
	Last     Response  // last response seen for this recipient

	// RetryPool and RetrySource name the pool and the source of the last
	// attempt when the retry is to come from that source again (a
	// greylist keys on the client's address); empty: any source. Kept in
	// the spool so that a restart does not send the retry from another
	// address, to be greylisted again.
	RetryPool, RetrySource string
}

// QueueKey names a scheduled queue: messages of one tenant and campaign for
// one recipient domain wait in it together.
type QueueKey struct {
	Tenant   string
	Campaign string
	Domain   string
}

// String is the display form used in records and the admin API:
// "campaign:tenant@domain", with empty parts left out.
func (k QueueKey) String() string {
	var b strings.Builder
	if k.Campaign != "" {
		b.WriteString(k.Campaign)
		b.WriteByte(':')
	}
	if k.Tenant != "" {
		b.WriteString(k.Tenant)
		b.WriteByte('@')
	}
	b.WriteString(k.Domain)
	return b.String()
}

// WithDomain returns k for another recipient domain.
func (k QueueKey) WithDomain(d string) QueueKey {
	k.Domain = d
	return k
}
