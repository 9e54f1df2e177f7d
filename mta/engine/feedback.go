package engine

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/reception"
	"github.com/wasmta/wasmta/mta/reputation"
	"github.com/wasmta/wasmta/mta/suppress"
	"github.com/wasmta/wasmta/mta/verp"
)

// feedbackState is what the engine keeps for mail that comes back: the
// VERP signer and each tenant's return path.
type feedbackState struct {
	signer      *verp.Signer      // nil without inbound.verp_keys
	returnPaths map[string]string // tenant -> "PREFIX@DOMAIN"
	suppress    *suppress.Store
	rep         *reputation.Tracker // counts of the tenants' recent outcomes, for select_pool and /metrics
	deadSites   deadSites           // sites refusing recipients as unknown, guarding the in-band default

	inbound   *reception.Server // nil when inbound.listen is off
	inboundLn net.Listener
	wake      chan struct{} // a report was kept: process it now
}

// openSuppression reads the suppression lists and installs their check at
// RCPT (SMTP) and per recipient of the HTTP API.
func (e *Engine) openSuppression() error {
	s, err := suppress.Open(e.spool)
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	e.fb.suppress = s
	e.guard.SetRcptGate(e.suppressedReply)
	return nil
}

// Reputation returns the tenants' recent counts (a prometheus.Collector).
func (e *Engine) Reputation() *reputation.Tracker { return e.fb.rep }

// Suppressions returns the tenants' suppression lists.
func (e *Engine) Suppressions() *suppress.Store { return e.fb.suppress }

// suppressedReply refuses a recipient on the tenant's suppression list
// with 550 5.7.1 and a text that says why. A spool error lets the
// recipient through: the list guards reputation, it must not stop mail.
func (e *Engine) suppressedReply(_ context.Context, in *policy.RcptInput) *policy.Reply {
	if e.dropsSuppressed(in.Tenant) {
		return nil // accepted here, dropped at Submit with a Suppressed record
	}
	en, ok, err := e.fb.suppress.LookupAny(in.Tenant, in.Recipient, time.Now())
	if err != nil {
		e.log.Warn("suppression lookup failed; recipient accepted", "tenant", in.Tenant, "err", err)
	}
	if !ok {
		return nil
	}
	whose := "this sender's"
	if en.Tenant == suppress.GlobalList {
		whose = "this server's"
	}
	return &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: fmt.Sprintf(
		"<%s> is on %s suppression list (%s since %s); mail to it is not accepted",
		in.Recipient, whose, en.Reason, en.Added.Format("2006-01-02"))}
}

func (e *Engine) initFeedback() error {
	e.fb.wake = make(chan struct{}, 1)
	e.fb.returnPaths = map[string]string{}
	for _, t := range e.conf().Tenants {
		if t.ReturnPath != "" {
			e.fb.returnPaths[t.Name] = t.ReturnPath
		}
	}
	if len(e.conf().Inbound.Keys) == 0 {
		return nil
	}
	keys := make([]verp.Key, len(e.conf().Inbound.Keys))
	for i, k := range e.conf().Inbound.Keys {
		keys[i] = verp.Key{ID: k.ID, Secret: k.Secret}
	}
	s, err := verp.NewSigner(keys)
	if err != nil {
		return fmt.Errorf("engine: inbound.verp_keys: %w", err)
	}
	e.fb.signer = s
	return nil
}

// returnPath is the envelope sender of a job: the tenant's VERP return
// path, or "" to keep the message's sender. The null sender stays null (a
// report never causes a report). The recipient's index is in the token
// and the signature covers its address when the transaction carries one
// recipient; otherwise the report's recipient must be one of the
// message's (see suppressFor).
func (e *Engine) returnPath(j *egress.Job) string {
	rp := e.fb.returnPaths[j.Msg.Tenant]
	if rp == "" || e.fb.signer == nil || j.Msg.Sender == "" {
		return ""
	}
	tok := verp.Token{ID: j.Msg.ID, Rcpt: verp.AllRecipients, Tenant: j.Msg.Tenant}
	if len(j.Items) == 1 && len(j.Items[0].Rcpts) == 1 {
		tok.Rcpt = int(j.Items[0].Rcpts[0])
		tok.Addr = j.Msg.Recipients[tok.Rcpt].Addr
	}
	prefix, domain, _ := strings.Cut(rp, "@")
	return e.fb.signer.Address(prefix, domain, tok)
}
