package delivery

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net/netip"

	"github.com/wasmta/wasmta/mta/policy"
)

// startTLS upgrades the connection as the TLS mode says and greets again.
func (s *Session) startTLS() error {
	mode := s.opts.TLS
	required := mode == policy.TLSRequired || mode == policy.TLSRequiredVerify
	if mode == policy.TLSDisabled || (!s.caps.startTLS && !required) {
		return nil
	}
	if !s.caps.startTLS {
		return &Error{Stage: StageSTARTTLS, Err: ErrTLSRequired, Temporary: true}
	}
	resp, err := s.command(StageSTARTTLS, "STARTTLS", "")
	if err != nil {
		return err
	}
	if resp.Code != 220 {
		if !required {
			return nil // opportunistic: go on in clear
		}
		e := refusal(StageSTARTTLS, resp)
		e.Temporary = true
		return e
	}
	// Anything the server sent after its 220 arrived before TLS and could be
	// an injected reply (CVE-2011-0411 and kin): refuse it.
	if s.r.Buffered() > 0 {
		return &Error{Stage: StageSTARTTLS, Err: fmt.Errorf("%w: data after the STARTTLS reply", ErrProtocol), Temporary: true}
	}
	if err := s.handshake(); err != nil {
		return err
	}
	return s.hello()
}

func (s *Session) handshake() error {
	tc := tls.Client(s.raw, s.tlsConfig())
	s.deadline(s.opts.CommandTimeout)
	if err := tc.HandshakeContext(context.Background()); err != nil {
		return &Error{Stage: StageTLS, Err: err, Temporary: true}
	}
	st := tc.ConnectionState()
	s.conn, s.tls = tc, &st
	s.r.Reset(s.tapped(tc))
	s.w.Reset(s.tapped(tc))
	return nil
}

func (s *Session) tlsConfig() *tls.Config {
	cfg := &tls.Config{}
	if s.opts.TLSConfig != nil {
		cfg = s.opts.TLSConfig.Clone()
	}
	if s.hostname != "" {
		cfg.ServerName = s.hostname
	}
	// Without a verified policy (DANE, MTA-STS) a certificate check proves
	// nothing for MX hosts, and refusing would only push mail to plain text.
	cfg.InsecureSkipVerify = s.opts.TLS != policy.TLSRequiredVerify
	if cfg.ClientSessionCache == nil {
		cfg.ClientSessionCache = sessionCache
	}
	return cfg
}

// auth runs AUTH PLAIN (RFC 4616) with the initial response on the command
// line, after TLS or on loopback only.
func (s *Session) auth() error {
	if !s.caps.authPlain {
		return &Error{Stage: StageAuth, Err: ErrAuthNoPlain, Temporary: true}
	}
	if s.tls == nil && !s.remote.Addr().IsLoopback() {
		return &Error{Stage: StageAuth, Err: ErrAuthNoTLS, Temporary: true}
	}
	a := s.opts.Auth
	token := base64.StdEncoding.EncodeToString([]byte("\x00" + a.Username + "\x00" + a.Password))
	resp, err := s.command(StageAuth, "AUTH PLAIN ", token)
	if err != nil {
		return err
	}
	if resp.Code != 235 {
		return refusal(StageAuth, resp)
	}
	return nil
}

// TLSState returns the TLS connection state, and false without TLS.
func (s *Session) TLSState() (tls.ConnectionState, bool) {
	if s.tls == nil {
		return tls.ConnectionState{}, false
	}
	return *s.tls, true
}

// RemoteAddr is the address the session is connected to.
func (s *Session) RemoteAddr() netip.AddrPort { return s.remote }

// LocalAddr is the session's source address and port.
func (s *Session) LocalAddr() netip.AddrPort { return s.local }

// Hostname is the host name given to Dial.
func (s *Session) Hostname() string { return s.hostname }

// Extensions returns the EHLO keywords (upper case) with their parameters;
// empty after a HELO fallback.
func (s *Session) Extensions() map[string]string {
	out := make(map[string]string, len(s.ext))
	for k, v := range s.ext {
		out[k] = v
	}
	return out
}

// Offers reports whether the server announced the EHLO keyword ext
// (upper case), in the greeting that counts (after STARTTLS when there was
// one).
func (s *Session) Offers(ext string) bool {
	_, ok := s.ext[ext]
	return ok
}
