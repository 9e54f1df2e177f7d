package egress

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/delivery"
	"github.com/wasmta/wasmta/mta/dsn/redact"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/queue"
	"github.com/wasmta/wasmta/mta/tlspolicy"
)

// TLSPolicies is an optional interface of a Handler: the transport
// security policy (DANE, MTA-STS) of a recipient domain reached through
// path p, nil for none, and where the checks of sessions against those
// policies are reported (TLS reports, metrics): once per session and
// policy domain, f nil for a success; peer is the host's address (invalid
// when the host was not even tried).
type TLSPolicies interface {
	TLSPolicy(ctx context.Context, p *Path, domain string) *tlspolicy.Policy
	TLSChecked(p *Path, pol *tlspolicy.Policy, host string, peer netip.Addr, f *tlspolicy.Failure)
}

// TLSCheck is what an attempt's TLS policy said, in its Outcome.
type TLSCheck struct {
	Domain  string
	Mode    string             // tlspolicy.Policy.Mode: "dane", "mta-sts enforce", ...
	Failure *tlspolicy.Failure // nil: the session satisfied the policy
}

// policyError: no host of the path satisfies the job's enforced policy.
type policyError struct {
	pol      *tlspolicy.Policy
	failures []*tlspolicy.Failure
}

func (e *policyError) Error() string {
	parts := make([]string, len(e.failures))
	for i, f := range e.failures {
		parts[i] = f.Error()
	}
	return fmt.Sprintf("TLS policy of %s (%s) not satisfied: %s", e.pol.Domain, e.pol.Mode(), strings.Join(parts, "; "))
}

// policyFor returns the policy of j's first domain. Items of other
// domains whose policy asks for something else are split off into a job
// of their own, returned to go back to the queue: one session must
// satisfy one policy.
func (c *conn) policyFor(ctx context.Context, j *Job) (*tlspolicy.Policy, *Job) {
	dom := itemDomain(j, j.Items[0])
	var pol *tlspolicy.Policy
	var rest *Job
	if tp, ok := c.set.opts.Handler.(TLSPolicies); ok {
		pol, rest = c.split(ctx, tp, j, dom)
	}
	return c.forMessage(c.forShape(pol), j, dom), rest
}

// forShape applies the path's tls_policy (the shape hook's, ABI v1.5):
// enforce an MTA-STS policy in testing mode, or only report failures.
func (c *conn) forShape(pol *tlspolicy.Policy) *tlspolicy.Policy {
	shape, _ := c.path.Shape()
	return pol.WithControl(shape.TLSPolicy == policy.TLSPolicyEnforce, shape.TLSPolicy == policy.TLSPolicyReportOnly)
}

// forMessage applies the message's REQUIRETLS flag or "TLS-Required: No"
// header field (RFC 8689) to its domain's policy.
func (c *conn) forMessage(pol *tlspolicy.Policy, j *Job, dom string) *tlspolicy.Policy {
	if j.Msg.RequireTLS {
		if pol == nil {
			pol = &tlspolicy.Policy{Domain: dom, Roots: c.set.opts.roots()}
		}
		return pol.ForMessage(true, false)
	}
	if pol.Type() != tlspolicy.TypeNoPolicy && tlsOptional(j.Body) {
		return pol.ForMessage(false, true)
	}
	return pol
}

func (c *conn) split(ctx context.Context, tp TLSPolicies, j *Job, dom string) (*tlspolicy.Policy, *Job) {
	pol := tp.TLSPolicy(ctx, c.path, dom)
	var keep, rest []*queue.Item
	for _, it := range j.Items {
		d := itemDomain(j, it)
		if d == dom || samePolicy(pol, tp.TLSPolicy(ctx, c.path, d)) {
			keep = append(keep, it)
		} else {
			rest = append(rest, it)
		}
	}
	if len(rest) == 0 {
		return pol, nil
	}
	j.Items = keep
	return pol, &Job{Msg: j.Msg, Body: j.Body, Items: rest, Queue: j.Queue, Pool: j.Pool,
		Enqueued: j.Enqueued, PolicyVersion: j.PolicyVersion}
}

// samePolicy: two domains without any policy share sessions freely.
func samePolicy(a, b *tlspolicy.Policy) bool {
	return a.Type() == tlspolicy.TypeNoPolicy && b.Type() == tlspolicy.TypeNoPolicy
}

func itemDomain(j *Job, it *queue.Item) string {
	return message.Domain(j.Msg.Recipients[it.Rcpts[0]].Addr)
}

// satisfies checks the open session against pol once per policy domain;
// false means the session must be closed and another one dialled.
func (c *conn) satisfies(pol *tlspolicy.Policy) bool {
	if pol == nil {
		return true
	}
	if _, ok := c.checks[pol.Key()]; ok {
		return true
	}
	f := pol.Check(c.info.Hostname, c.info.TLS, time.Now())
	c.report(pol, c.info.Hostname, c.info.Peer.Addr(), f)
	if f == nil {
		f = offersRequireTLS(pol, c.sess, c.info.Hostname)
	}
	if f != nil && f.Enforced {
		return false
	}
	if c.checks == nil {
		c.checks = map[string]*tlspolicy.Failure{}
	}
	c.checks[pol.Key()] = f
	return true
}

func (c *conn) report(pol *tlspolicy.Policy, host string, peer netip.Addr, f *tlspolicy.Failure) {
	if tp, ok := c.set.opts.Handler.(TLSPolicies); ok && pol != nil {
		tp.TLSChecked(c.path, pol, host, peer, f)
	}
}

// tlsMode is the STARTTLS mode of a session with host: the shape's, raised
// to required when the policy asks for TLS (so that a failed handshake is
// not retried in clear).
func tlsMode(shape policy.Shape, pol *tlspolicy.Policy, host string) policy.TLSMode {
	m := shape.TLS
	if pol.NeedTLS(host) && (m == policy.TLSOpportunistic || m == policy.TLSDisabled) {
		m = policy.TLSRequired
	}
	return m
}

// admit is the check of a host before dialling it: false when the
// policy forbids it (the failure is kept for the job's outcome).
func (c *conn) admit(pol *tlspolicy.Policy, host string, pe *policyError) bool {
	f := pol.Admit(host)
	if f == nil {
		return true
	}
	c.report(pol, host, netip.Addr{}, f)
	if f.Enforced {
		pe.failures = append(pe.failures, f)
		return false
	}
	return true
}

// established checks a new session against pol; false means it was
// closed because the policy refuses it.
func (c *conn) established(pol *tlspolicy.Policy, s *delivery.Session, host string, pe *policyError) bool {
	peer := s.RemoteAddr().Addr()
	if pol == nil {
		return true
	}
	var st *tls.ConnectionState
	if cs, ok := s.TLSState(); ok {
		st = &cs
	}
	f := pol.Check(host, st, time.Now())
	c.report(pol, host, peer, f)
	if f == nil {
		f = offersRequireTLS(pol, s, host)
	}
	if f != nil && f.Enforced {
		s.Close()
		pe.failures = append(pe.failures, f)
		return false
	}
	c.checks = map[string]*tlspolicy.Failure{pol.Key(): f}
	return true
}

// offersRequireTLS: a REQUIRETLS message goes only to a server that
// offers REQUIRETLS itself (RFC 8689 section 5, step 3).
func offersRequireTLS(pol *tlspolicy.Policy, s *delivery.Session, host string) *tlspolicy.Failure {
	if !pol.RequireTLS || s.Offers("REQUIRETLS") {
		return nil
	}
	return &tlspolicy.Failure{Result: tlspolicy.ResultValidationFailure, Host: host, Enforced: true, RequireTLS: true,
		Detail: "REQUIRETLS: the server does not offer REQUIRETLS"}
}

// tlsOptional reports a "TLS-Required: No" header field (RFC 8689
// section 4.2) in the message's header.
func tlsOptional(body []byte) bool {
	for _, line := range bytes.Split(message.HeaderBlock(body, 64<<10), []byte("\n")) {
		name, val, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimSpace(name), []byte("TLS-Required")) {
			return bytes.EqualFold(bytes.TrimSpace(val), []byte("No"))
		}
	}
	return false
}

// dialRefused turns a failed dial that had to use TLS into a policy
// failure (STARTTLS not offered, handshake failed); other failures are
// connection failures.
func (c *conn) dialRefused(pol *tlspolicy.Policy, host string, peer netip.Addr, mode policy.TLSMode, err error, pe *policyError) bool {
	var de *delivery.Error
	if pol == nil || !pol.NeedTLS(host) || !errors.As(err, &de) ||
		de.Stage != delivery.StageSTARTTLS && de.Stage != delivery.StageTLS || mode == policy.TLSRequiredVerify {
		return false
	}
	f := pol.DialFailure(host, errors.Is(err, delivery.ErrTLSRequired) || de.Stage == delivery.StageSTARTTLS, err)
	c.report(pol, host, peer, f)
	pe.failures = append(pe.failures, f)
	return true
}

// tlsFailed defers j: no host satisfies its domain's policy. The path
// works (other domains' mail goes on), so it is not marked as failing.
func (c *conn) tlsFailed(j *Job, pe *policyError) {
	if pe.pol.RequireTLS && c.redacted(j) {
		return
	}
	o := failure(j, delivery.StageTLS, pe)
	resp := message.Response{Code: 451, Enhanced: "4.7.5", Text: "local: " + pe.Error()}
	switch {
	case pe.pol.RequireTLS:
		// RFC 8689 section 5: the message is returned, 5.7.30.
		resp = message.Response{Code: 550, Enhanced: "5.7.30", Text: "local: REQUIRETLS support required: " + pe.Error()}
	case allNotOffered(pe.failures):
		resp.Enhanced = "4.7.4" // RFC 3463: security features not supported
	}
	for i := range o.Rcpt {
		o.Rcpt[i] = resp
	}
	o.TLSCheck = &TLSCheck{Domain: pe.pol.Domain, Mode: pe.pol.Mode(), Failure: pe.failures[0]}
	c.set.opts.Handler.Done(c.path, j, o)
}

// redacted: a report (null sender) about a REQUIRETLS message that no
// host can take with REQUIRETLS is not discarded (RFC 8689 section 5); it
// goes on without REQUIRETLS, under the domain's own policy, once the
// parts returning the original message are removed (redact.Report). The
// spool keeps the full report and the flag: each attempt tries REQUIRETLS
// first. False when j is no such report, or cannot be redacted (then it
// is returned, 5.7.30, as any REQUIRETLS message).
func (c *conn) redacted(j *Job) bool {
	if j.Msg.Sender != "" || !j.Msg.RequireTLS {
		return false
	}
	body, ok := redact.Report(j.Body)
	if !ok {
		return false
	}
	m := *j.Msg
	m.RequireTLS = false
	j.Msg, j.Body = &m, body
	c.set.log.Info("REQUIRETLS report goes redacted, without REQUIRETLS", "id", m.ID, "site", c.path.Key.Site)
	c.path.pushFront(j)
	return true
}

func allNotOffered(fs []*tlspolicy.Failure) bool {
	for _, f := range fs {
		if f.Result != tlspolicy.ResultStartTLSNotSupported {
			return false
		}
	}
	return len(fs) > 0
}
