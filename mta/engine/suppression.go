package engine

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/feedback"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/suppress"
)

// suppression is what a bounce or complaint adds to a suppression list:
// nothing when reason is "".
type suppression struct {
	reason string                // suppress.Reason*
	global bool                  // the global list, not the tenant's
	ttl    time.Duration         // 0: until removed
	choice policy.SuppressChoice // as classify decided, for the record
}

// fromChoice turns classify's explicit choice into an addition with
// reason; ok is false for SuppressDefault (the caller's default applies).
func fromChoice(cls policy.Classification, reason string) (suppression, bool) {
	switch cls.Suppress {
	case policy.SuppressNone:
		return suppression{choice: cls.Suppress}, true
	case policy.SuppressTenant, policy.SuppressGlobal:
		return suppression{reason: reason, global: cls.Suppress == policy.SuppressGlobal,
			ttl: cls.SuppressFor, choice: cls.Suppress}, true
	}
	return suppression{}, false
}

// bounceSuppression is the addition a bounce calls for: classify's
// choice, else the default: a permanent failure (deadAddress) that speaks
// of the recipient itself goes on the tenant's list for ttl (0: until
// removed). In band that is the reply to the recipient's own RCPT TO; a
// reply to DATA or to the connection is one answer for the whole
// transaction and says nothing of one address. Out of band it is a final
// report (not a delay warning).
func bounceSuppression(cls policy.Classification, code int, status string, aboutRcpt bool, ttl time.Duration) suppression {
	reason := suppress.ReasonBounce
	hard := deadAddress(cls.Category, code, status)
	if hard {
		reason = suppress.ReasonHardBounce
	}
	if s, ok := fromChoice(cls, reason); ok {
		return s
	}
	if aboutRcpt && hard {
		return suppression{reason: reason, ttl: ttl}
	}
	return suppression{}
}

// deadAddress reports whether a failure says the address cannot be
// delivered to, ever: a permanent failure (a 5xx reply; a 5.x.x status
// when there is one) whose category says the mailbox or its domain does
// not exist or is closed (policy.HardCategory: InvalidRecipient,
// InactiveMailbox, BadDomain). Blocks of the sender, its IP or its
// content (SpamBlock, ReputationBlock, PolicyRelated, ...), full
// mailboxes and every transient failure say nothing against the address.
// code is 0 for a report without an SMTP reply code.
func deadAddress(category string, code int, status string) bool {
	switch {
	case !policy.HardCategory(category), code != 0 && code < 500:
		return false
	case status == "":
		return code >= 500
	}
	return strings.HasPrefix(status, "5.")
}

// hardBounceTTL is how long the default keeps a tenant's hard-bounced
// address on its list (tenant.hard_bounce_suppress_for).
func (e *Engine) hardBounceTTL(tenant string) time.Duration {
	if t := e.conf().Tenant(tenant); t != nil {
		return t.HardBounceSuppressFor
	}
	return 0
}

// complaintSuppression is the addition a complaint calls for: classify's
// choice (stage "feedback"), else the default: every complaint goes on the
// tenant's list, an opt-out report as an unsubscribe, authentication-
// failure and not-spam reports do not.
func complaintSuppression(cls policy.Classification, feedbackType string) suppression {
	reason := suppress.ReasonComplaint
	if feedbackType == "opt-out" {
		reason = suppress.ReasonUnsubscribe
	}
	if s, ok := fromChoice(cls, reason); ok {
		return s
	}
	switch feedbackType {
	case "auth-failure", "not-spam":
		return suppression{}
	}
	return suppression{reason: reason}
}

// suppressFor adds the suppression entry a record calls for, and returns
// the record's reason text: what was done, or why nothing was. An error
// is the spool's: the report must be processed again.
func (e *Engine) suppressFor(r *events.Record, rc *feedback.Recipient, m reportMatch, d suppression) (string, error) {
	switch {
	case d.reason == "":
		if d.choice == policy.SuppressNone {
			return "not suppressed: the policy's classify chose none", nil
		}
		return "", nil
	case !m.verified():
		return "not suppressed: " + m.problem, nil
	case r.Recipient == "":
		return "not suppressed: the report does not name the recipient", nil
	}
	addr, why := m.vouchesFor(rc)
	if addr == "" {
		return "not suppressed: " + why, nil
	}
	cause := fmt.Sprintf("%s %s report %s", r.Type, m.id, r.Meta["report_id"])
	return e.addSuppression(r, addr, d, cause, true)
}

// addSuppression adds addr to the list d names and writes a
// SuppressionAdded record; it returns the text for the causing record.
// sync: the entry is synced before it returns (an in-band bounce leaves
// it to the next sync: losing it in a crash costs one more bounce).
func (e *Engine) addSuppression(cause0 *events.Record, addr string, d suppression, cause string, sync bool) (string, error) {
	en := suppress.Entry{Tenant: cause0.Tenant, Recipient: addr, Reason: d.reason, Cause: cause}
	scope := "tenant"
	if d.global {
		en.Tenant, scope = suppress.GlobalList, "global"
	}
	now := time.Now()
	if d.ttl > 0 {
		en.Expires = now.Add(d.ttl)
	}
	added, err := e.fb.suppress.AddSync(en, now, sync)
	switch {
	case errors.Is(err, suppress.ErrBadEntry):
		return "not suppressed: " + err.Error(), nil
	case err != nil:
		return "", err
	case !added:
		return "already suppressed", nil
	}
	rec := &events.Record{Type: events.SuppressionAdded, ID: cause0.ID, Tenant: cause0.Tenant,
		Campaign: cause0.Campaign, Recipient: addr, Reason: d.reason, Scope: scope,
		Meta: map[string]string{"cause": cause}}
	if !en.Expires.IsZero() {
		rec.Expires = &en.Expires
	}
	e.record(rec)
	if d.global {
		return "suppressed: " + d.reason + " (global list)", nil
	}
	return "suppressed: " + d.reason, nil
}

// suppressInBand adds the entry a recipient that bounced in band calls
// for (bounceSuppression; ownReply: the reply was to its own RCPT TO).
// The default's entries also pass deadSites, so that a provider calling
// everybody unknown cannot empty a tenant's list into suppression. A
// spool error is logged: the bounce is recorded whatever happens to the
// list.
func (e *Engine) suppressInBand(j *egress.Job, r *events.Record, cls policy.Classification, site string, ownReply bool) {
	resp := r.Response
	d := bounceSuppression(cls, resp.Code, resp.Enhanced, ownReply, e.hardBounceTTL(r.Tenant))
	if ownReply && deadAddress(cls.Category, resp.Code, resp.Enhanced) {
		if why := e.fb.deadSites.dead(site, time.Now()); why != "" && d.choice == policy.SuppressDefault {
			r.Reason = why
			return
		}
	}
	if d.reason == "" {
		return
	}
	cause := fmt.Sprintf("%s %s", r.Type, j.Msg.ID)
	text, err := e.addSuppression(r, r.Recipient, d, cause, false)
	if err != nil {
		e.log.Warn("suppression entry not added", "id", j.Msg.ID, "recipient", r.Recipient, "err", err)
		return
	}
	r.Reason = text
}

// vouchesFor returns the address a verified token lets the report about
// rc suppress, or "" and why none: the one its signature covers, when rc
// names it; for a token of every recipient of its transaction, rc's when
// the message (still in the spool) was sent to it. Anyone who got mail
// holds a valid token; it must not suppress other addresses.
func (m *reportMatch) vouchesFor(rc *feedback.Recipient) (string, string) {
	named := func(a string) bool {
		return a != "" && (strings.EqualFold(rc.Address, a) || strings.EqualFold(rc.Original, a) || strings.EqualFold(rc.Final, a))
	}
	if m.bound {
		if m.addr != "" && named(m.addr) {
			return m.addr, ""
		}
		return "", "the report's recipient is not the one its return path was made for"
	}
	for _, a := range m.rcpts {
		if named(a) {
			return a, ""
		}
	}
	if m.rcpts == nil {
		return "", "the return path covers several recipients and the message has left the spool: the report's recipient cannot be checked"
	}
	return "", "the report's recipient is not one the message was sent to"
}

// dropsSuppressed reports whether a tenant accepts and drops its
// suppressed recipients (suppressed_recipients = "drop") instead of
// refusing them at RCPT.
func (e *Engine) dropsSuppressed(tenant string) bool {
	t := e.conf().Tenant(tenant)
	return t != nil && t.SuppressedRecipients == config.SuppressedDrop
}

// droppedRcpt is a recipient taken out of a message by dropSuppressed.
type droppedRcpt struct {
	addr  string
	entry suppress.Entry
}

// dropSuppressed takes the suppressed recipients out of a message of a
// tenant that drops them, before it is spooled (so no restart can
// deliver them). A failed lookup keeps the recipient, as at RCPT: the
// list guards reputation, it must not lose mail.
func (e *Engine) dropSuppressed(m *message.Message) []droppedRcpt {
	if !e.dropsSuppressed(m.Tenant) {
		return nil
	}
	now := time.Now()
	var dropped []droppedRcpt
	kept := m.Recipients[:0:0]
	for _, r := range m.Recipients {
		en, ok, err := e.fb.suppress.LookupAny(m.Tenant, r.Addr, now)
		if err != nil {
			e.log.Warn("suppression lookup failed; recipient kept", "tenant", m.Tenant, "err", err)
		}
		if ok {
			dropped = append(dropped, droppedRcpt{r.Addr, en})
			continue
		}
		kept = append(kept, r)
	}
	if dropped != nil {
		m.Recipients = kept
	}
	return dropped
}

// recordDropped writes a Suppressed record per dropped recipient: an
// accepted recipient is never dropped without one.
func (e *Engine) recordDropped(m *message.Message, dropped []droppedRcpt) {
	for _, d := range dropped {
		scope := "tenant"
		if d.entry.Tenant == suppress.GlobalList {
			scope = "global"
		}
		e.record(&events.Record{Type: events.Suppressed, ID: m.ID.String(), Tenant: m.Tenant,
			Campaign: m.Campaign, Sender: m.Sender, Recipient: d.addr, Scope: scope,
			Category: policy.CategorySuppressed,
			Reason: fmt.Sprintf("accepted and dropped: on the %s suppression list (%s since %s)",
				scope, d.entry.Reason, d.entry.Added.Format("2006-01-02")),
			Meta: map[string]string{"cause": d.entry.Cause}})
	}
}
