package delivery

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
)

// Options configures sessions. Zero values take the defaults in brackets.
type Options struct {
	LocalAddr      netip.Addr     // source address to bind [any]
	EHLO           string         // name we greet with [localhost]
	TLS            policy.TLSMode // STARTTLS use [opportunistic]
	TLSConfig      *tls.Config    // base config; cloned per session with ServerName set [defaults]
	ConnectTimeout time.Duration  // TCP connect [30s]
	CommandTimeout time.Duration  // banner, each command or pipelined batch of commands [2m]
	DataTimeout    time.Duration  // from the end of the message to the final reply [10m]
	Auth           *Auth          // AUTH PLAIN after EHLO (and STARTTLS) when set
	NoChunking     bool           // never use BDAT even when CHUNKING is offered
	// Trace, when set, sees every chunk the session writes (sent) and
	// reads, after TLS: a live view for an operator (mta/smtptrace).
	Trace func(sent bool, data []byte)
}

// Auth holds credentials for AUTH PLAIN to a smart host. They are sent only
// over TLS or to a loopback address.
type Auth struct {
	Username, Password string
}

func withDefaults(o Options) Options {
	if o.EHLO == "" {
		o.EHLO = "localhost"
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 30 * time.Second
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = 2 * time.Minute
	}
	if o.DataTimeout <= 0 {
		o.DataTimeout = 10 * time.Minute
	}
	return o
}

// Stages name where a session failed, in Error.Stage.
const (
	StageConnect  = "connect"
	StageBanner   = "banner"
	StageEHLO     = "ehlo"
	StageSTARTTLS = "starttls" // the command, or its absence when TLS is required
	StageTLS      = "tls"      // the handshake
	StageAuth     = "auth"
	StageMail     = "mail"
	StageRcpt     = "rcpt"
	StageData     = "data"
	StageRset     = "rset"
)

// Causes carried by Error.Err besides network errors.
var (
	ErrTLSRequired = errors.New("STARTTLS required but not offered")
	ErrAuthNoTLS   = errors.New("refusing to send credentials without TLS")
	ErrAuthNoPlain = errors.New("server does not offer AUTH PLAIN")
	ErrUnusable    = errors.New("session is no longer usable")
)

// Error is a session failure: the connection could not be set up, or broke
// (network error, timeout, 421, malformed reply) and is closed. Response is
// the server's reply when there was one. Temporary is false only for a 5xx
// that refuses the connection itself (banner, EHLO, AUTH) — everything else
// is worth another try. MaybeDelivered is set when the connection failed
// after the whole message was sent and before the final reply: the server
// may have taken it, and a retry may duplicate it (RFC 1047). Temporary is a
// field, not a method: Go cannot have both under one name.
type Error struct {
	Stage          string
	Response       message.Response
	Err            error
	Temporary      bool
	MaybeDelivered bool
}

func (e *Error) Error() string {
	var s string
	switch {
	case e.Response.Code != 0 && e.Err != nil:
		s = fmt.Sprintf("delivery: %s: %d %s %s: %v", e.Stage, e.Response.Code, e.Response.Enhanced, e.Response.Text, e.Err)
	case e.Response.Code != 0:
		s = fmt.Sprintf("delivery: %s: %d %s %s", e.Stage, e.Response.Code, e.Response.Enhanced, e.Response.Text)
	default:
		s = fmt.Sprintf("delivery: %s: %v", e.Stage, e.Err)
	}
	if e.MaybeDelivered {
		s += " (after the message was sent: it may have been delivered)"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// refusal is an Error for a reply that ends the session.
func refusal(stage string, r message.Response) *Error {
	return &Error{Stage: stage, Response: r, Temporary: r.Code/100 != 5}
}
