package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/adaptive"
	"github.com/wasmta/wasmta/mta/delivery"
	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/queue"
	"github.com/wasmta/wasmta/mta/spool"
)

// handler is the engine seen by the egress paths.
type handler Engine

// Load reads a job's body from the spool when it was not carried along.
func (h *handler) Load(j *egress.Job) error {
	if j.Body != nil {
		return nil
	}
	b, err := h.spool.Body(j.Msg.ID)
	if errors.Is(err, spool.ErrCorrupt) {
		(*Engine)(h).quarantine(j.Msg.ID, j.Msg, err)
	}
	if err != nil {
		return err
	}
	j.Body = b
	return nil
}

// Done turns one attempt's outcome into recipient states and records.
func (h *handler) Done(p *egress.Path, j *egress.Job, o egress.Outcome) {
	h.finish(h.ctx, p, j, o)
	(*Engine)(h).jobLeft(p)
}

// attempt is what finish knows about the path of an attempt.
type attempt struct {
	site, pool, source string
	shape              policy.Shape
	path               *egress.Path // nil when the job never reached a path
}

func (h *handler) attemptOf(p *egress.Path, j *egress.Job) attempt {
	if p == nil {
		return attempt{pool: j.Pool, shape: h.guard.Default().Shape0()}
	}
	s, _ := p.Shape()
	return attempt{site: p.Key.Site, pool: j.Pool, source: p.Key.Source, shape: s, path: p}
}

// finish applies an outcome: delivered and bounced recipients are final,
// the others are retried together as one new item per original item.
// States are saved before the message's pending count drops, so that the
// delete made by whichever attempt finishes last always comes after them.
func (h *handler) finish(ctx context.Context, p *egress.Path, j *egress.Job, o egress.Outcome) {
	e := (*Engine)(h)
	if e.dropQuarantined(j, o) {
		return
	}
	at := h.attemptOf(p, j)
	now := time.Now()
	var idx []int
	var states []message.RcptState
	var retries []*queue.Item
	var loneItem *queue.Item // deferred alone: perhaps the first of a run (runFound)
	k := 0
	var header reportHeader // taken once for all the job's failed recipients
	for _, it := range j.Items {
		var retry []uint16
		var due time.Time
		var sticky, lone bool
		var slot time.Time // the item's paced retry: one slot of the path's pace per item
		attempts := int(it.Attempts) + 1
		next := e.nextAttempt(attempts, at.shape, now)
		for _, ri := range it.Rcpts {
			st, same, alone := e.rcptResult(ctx, j, o, at, ri, k, attempts, next, &header, &slot)
			k++
			if st.Status == message.Deferred {
				retry = append(retry, ri)
				sticky = sticky || same
				lone = lone || alone
				if due.IsZero() || st.Due.Before(due) {
					due = st.Due
				}
			}
			idx = append(idx, int(ri))
			states = append(states, st)
		}
		if len(retry) > 0 {
			r := queue.NewItem(it.ID, retry, attempts, due)
			if sticky {
				r.Source = e.stickySource(j.Pool, at.source)
			}
			if lone {
				loneItem = r
			}
			retries = append(retries, r)
		}
	}
	done := len(j.Items) - len(retries)
	if len(retries) > 0 || e.pendingItems(j.Msg.ID) > done {
		if err := e.spool.SetStates(j.Msg.ID, idx, states, false); err != nil {
			e.log.Error("spool: save recipient states", "id", j.Msg.ID, "err", err)
		}
	}
	for _, it := range retries {
		e.sched.Add(j.Queue.WithDomain(j.Msg.Recipients[it.Rcpts[0]].Domain()), it)
	}
	if loneItem != nil && e.ctl.lone.queued(at.path, loneItem) {
		e.bringBack(at.path, loneItem) // a run was found during the spool write
	}
	if done > 0 {
		e.itemDone(j.Msg.ID, done)
	}
}

func (e *Engine) pendingItems(id message.ID) int {
	e.pendMu.Lock()
	defer e.pendMu.Unlock()
	return e.pend[id]
}

// stickySource is what an item retried from the source named source of
// pool asks for: 1 + the source's index in the pool, or 0 (any source)
// when the pool has no such source or too many to say.
func (e *Engine) stickySource(pool, source string) uint8 {
	pl := e.pool(pool)
	if pl == nil {
		return 0
	}
	if i := pl.Index(source); i >= 0 && i < 255 {
		return uint8(i + 1)
	}
	return 0
}

// rcptResult decides the new state of one recipient, the k-th of the
// outcome, and writes its record. same reports a deferral that is to be
// retried from the same source: the destination refused the recipient or
// the message for itself (a 4xx that is no throttle, no refused
// connection, no session's end, and names no cause: namesNoCause), and
// such a refusal may key on the client's address as well. Greylisting does (the triplet of client IP,
// sender and recipient): retried from another source of the pool, the
// message is greylisted again, as Postfix (one address) and PowerMTA (a
// message stays in its virtual MTA's queue) never are.
//
// slot is the paced retry (pacedRetry, or pacedRetryAfter for the
// recipients a transaction refused for its size or a used session's end
// refused at MAIL) of the recipients of one
// item deferred for a path cause, taken by the first of them: the item comes
// back as one transaction, in one slot of the path's pace (a slot per
// recipient left all but one of them empty, and spaced the next
// message's retry as many slots later).
func (e *Engine) rcptResult(ctx context.Context, j *egress.Job, o egress.Outcome, at attempt, ri uint16,
	k int, attempts int, next time.Time, header *reportHeader, slot *time.Time) (st message.RcptState, same, lone bool) {
	m := j.Msg
	resp := o.Rcpt[k]
	r := e.baseRecord(j, at, o, ri, attempts)
	r.Response = &resp
	st = message.RcptState{Attempts: attempts, Last: resp}
	if resp.Code >= 200 && resp.Code < 300 {
		r.Type = events.Delivery
		st.Status = message.Delivered
		e.fb.deadSites.delivered(at.site, time.Now())
		e.record(r)
		return st, false, false
	}
	stage := o.StageOf(k)
	c, ver := e.guard.Classify(ctx, &policy.ClassifyInput{Tenant: m.Tenant, Site: at.site,
		Domain: m.Recipients[ri].Domain(), Source: at.source, Stage: stage,
		Code: resp.Code, Enhanced: resp.Enhanced, Text: resp.Text})
	r.Category = c.Category
	r.PolicyVersion = ver
	e.control(j, at, c, resp)
	if throttleSignal(c, resp) && at.path != nil && !tenantScoped(c, m.Tenant) {
		at.path.Signal(adaptive.RateLimited, replyText(resp))
	}
	sched, paced := next, false
	now := time.Now()
	stated, hasStated := statedRetry(resp, now)
	unexpl := at.path != nil && !hasStated && unexplained(c, resp, stage)
	run := unexpl && !pathCause(c, o, resp) && at.path.Unexplained(m.ID, replyText(resp))
	switch {
	case c.Category == policy.CategoryTooManyRecipients && tookAny(o):
		// Refused for the transaction's size, not for itself: RFC 5321
		// 4.5.3.1.10 has the client send the rest in another transaction.
		// Refused with nothing accepted, another transaction at once
		// would meet the same refusal: the schedule. The refused
		// recipients go out together, in one slot.
		if slot.IsZero() {
			*slot = pacedRetryAfter(at.path, 0, o, next)
		}
		next, paced = *slot, true
	case sessionEnd(c, o, resp, stage):
		// The session ended at its next MAIL, worded as a generic
		// deferral: the message was not offered. Another session at once,
		// its recipients together in one slot.
		if slot.IsZero() {
			*slot = pacedRetryAfter(at.path, 0, o, next)
		}
		next, paced = *slot, true
	case pathCause(c, o, resp) || run:
		if slot.IsZero() {
			*slot = pacedRetry(at.path, e.conf().Queue.RetryThrottled, attempts, o, next)
		}
		next, paced = *slot, true
		if run {
			e.runFound(at.path, m.ID)
		}
	case mailboxRate(c, resp):
		// One mailbox's limit: that recipient waits, the path goes on.
		if t := now.Add(doublingDelay(mailboxRetryBase, attempts)); t.Before(next) {
			next, paced = t, true
		}
	case unexpl:
		// Alone so far, but perhaps the first of a run: it names nothing
		// that would make it wait for the schedule (tens of minutes). Not
		// at a slot of the path's pace: those are handed out in order,
		// and one a minute ahead would push every throttled message
		// after it.
		if t := now.Add(doublingDelay(loneRetryBase, attempts)); t.Before(next) {
			next, paced, lone = t, true, true
		}
	}
	// A reply that says when to come back (a greylist's delay) is taken at
	// its word, unless the schedule is sooner; a paced retry is not sooner.
	// Only for the first attempts: a reply that keeps asking for a second
	// would have the message retried every two seconds until it expired.
	if hasStated && attempts < statedRetryAttempts && stated.Before(sched) && (!paced || stated.After(next)) {
		next = stated
	}
	// A greylist that states no delay waits the greylists' usual one,
	// not the schedule's tens of minutes.
	if t, ok := greylistRetry(resp, attempts, now); ok && t.Before(sched) && (!paced || t.After(next)) {
		next = t
	}
	// A dead path's refusal (a 5xx greeting or EHLO from every host) is
	// the destination refusing this source, not the message: a deferral,
	// as Postfix's "refused to talk to me", unless the policy bounces it.
	// So is a server's demand for TLS on a session without it.
	permanent := c.Action == policy.ActionBounce ||
		(c.Action == policy.ActionDefault && resp.Code >= 500 && o.RetryAt.IsZero() && !tlsDemandedInClear(c, o))
	switch {
	case permanent:
		r.Type = events.Bounce
		st.Status = message.Bounced
		e.suppressInBand(j, r, c, at.site, stage == "rcpt")
	case next.Sub(m.ReceivedAt) > at.shape.MaxAge:
		r.Type = events.Expiration
		r.Category = policy.CategoryMessageExpired
		st.Status = message.Bounced
	default:
		r.Type = events.TransientFailure
		st.Status = message.Deferred
		st.Due = next
		r.NextAttempt = &next
		same = (!paced || lone) && resp.Code/100 == 4 && namesNoCause(c.Category)
		if same {
			st.RetryPool, st.RetrySource = j.Pool, at.source // for a restart (rebuild)
		}
	}
	if st.Status == message.Bounced {
		r.OriginalHeader = header.of(e, j)
	}
	e.record(r)
	lone = lone && st.Status == message.Deferred
	if lone {
		e.ctl.lone.deferred(at.path, m.ID)
	}
	return st, same, lone
}

// runFound brings back at the path's pace the message deferred alone
// before a run of unexplained refusals on p (another message's, id's
// own), now that the run shows it was a throttle's first refusal: it was
// given a minute (loneRetryBase), the others of the run seconds.
func (e *Engine) runFound(p *egress.Path, id message.ID) {
	if it := e.ctl.lone.run(p, id); it != nil {
		e.bringBack(p, it)
	}
}

// bringBack makes a lone deferral due at the path's pace, as a throttled
// message is.
func (e *Engine) bringBack(p *egress.Path, it *queue.Item) {
	e.sched.Advance(it, p.RetrySlot(time.Now().Add(doublingDelay(e.conf().Queue.RetryThrottled, int(it.Attempts)))))
}

// tlsDemandedInClear reports whether a reply classified TLSFailure came
// on a session without TLS: "530 5.7.0 Must issue a STARTTLS command
// first" (RFC 3207 4), which a server that requires TLS gives to every
// command of such a session. It refuses the session, not the message:
// the session is in clear because the server offered no STARTTLS (a
// middlebox may strip it) or because its handshake failed and
// opportunistic TLS went on in clear, as Postfix does at level "may".
// Either may be mended by the next attempt; a bounce loses the mail.
//
// Only a server's reply to a command of the transaction counts: wasmta's
// own verdict that no host satisfies the domain's TLS policy or the
// message's REQUIRETLS (RFC 8689 section 5's 5.7.30, which returns the
// message) is stage "tls" or "starttls" and keeps its own outcome.
func tlsDemandedInClear(c policy.Classification, o egress.Outcome) bool {
	if c.Category != policy.CategoryTLSFailure || o.Conn.TLS != nil {
		return false
	}
	switch o.Stage {
	case delivery.StageMail, delivery.StageRcpt, delivery.StageData:
		return true
	}
	return false
}

// namesNoCause reports whether a deferral's category names no cause, as a
// greylist's "try again later" is read (TransientFailure, or Other): only
// such a deferral is retried from the same source. A named cause may be
// the source itself (a DNS list naming its address, SpamBlock; its
// missing PTR, PolicyRelated; its reputation or SPF), which another source
// of the pool does not have: kept on the source, the message was deferred
// there until it expired.
func namesNoCause(category string) bool {
	return category == policy.CategoryTransientFailure || category == policy.CategoryOther
}

// maxReportHeader bounds the original header given to a delivery status
// notification, as Postfix's bounce_size_limit does: a report must not
// mail a large header back to a possibly forged sender.
const maxReportHeader = 32 << 10

// reportHeader is the header of a job's message for its failure records,
// copied on the first failure and shared by the others (a reply refusing
// every recipient would otherwise read and copy it once per recipient).
type reportHeader struct {
	taken bool
	h     []byte
}

func (r *reportHeader) of(e *Engine, j *egress.Job) []byte {
	if !r.taken {
		r.h, r.taken = e.copyHeader(j), true
	}
	return r.h
}

// copyHeader copies the header of a message that failed for good, for
// the sender's delivery status notification (mta/dsn), when its tenant
// wants one. Records are written asynchronously, after the message may
// have left the spool, so it is taken now.
func (e *Engine) copyHeader(j *egress.Job) []byte {
	m := j.Msg
	if t := e.conf().Tenant(m.Tenant); m.Sender == "" || t == nil || !t.DSN {
		return nil
	}
	body := j.Body
	if body == nil {
		b, err := e.spool.Body(m.ID)
		if err != nil {
			e.log.Warn("report without the original header", "id", m.ID, "err", err)
			return nil
		}
		body = b
	}
	return bytes.Clone(message.HeaderBlock(body, maxReportHeader))
}

func (e *Engine) baseRecord(j *egress.Job, at attempt, o egress.Outcome, ri uint16, attempts int) *events.Record {
	m := j.Msg
	r := &events.Record{
		ID: m.ID.String(), Tenant: m.Tenant, Campaign: m.Campaign, Sender: m.Sender,
		Recipient: m.Recipients[ri].Addr, Queue: j.Queue.WithDomain(m.Recipients[ri].Domain()).String(),
		Site: at.site, Pool: at.pool, Source: at.source, PeerName: o.Conn.Hostname,
		Attempts: attempts, QueueTime: time.Since(m.ReceivedAt).Seconds(), Meta: m.Meta,
		PolicyVersion: j.PolicyVersion, RequireTLS: m.RequireTLS,
	}
	if o.Conn.Peer.IsValid() {
		r.Peer = o.Conn.Peer.String()
	}
	var de *delivery.Error
	if o.Err != nil && errors.As(o.Err, &de) && de.MaybeDelivered {
		r.MaybeDelivered = true // its retry may deliver a duplicate (RFC 1047)
	}
	if t := o.Conn.TLS; t != nil {
		r.TLS = tlsInfo(t)
	}
	withTLSCheck(r, o.TLSCheck)
	return r
}

// nextAttempt is the exponential backoff of the path's shape: the initial
// delay doubling per attempt, capped, with jitter so that a burst of
// failures does not come back as a burst.
func (e *Engine) nextAttempt(attempts int, s policy.Shape, now time.Time) time.Time {
	d := s.RetryInitial
	for i := 1; i < attempts && d < s.RetryMax; i++ {
		d *= 2
	}
	d = min(d, s.RetryMax)
	if j := e.conf().Queue.RetryJitter; j > 0 {
		d = time.Duration(float64(d) * (1 + j*(2*rand.Float64()-1)))
	}
	return now.Add(d)
}

// pathCause reports whether a deferral says something about the path
// rather than the message: a throttle (classified RateLimited, or a
// classification that asks for traffic control), a connection that broke
// without a reply or with a 421 (or a 4xx X.3.2) that names no cause (the
// server closing the channel, RFC 5321 3.8: about the session), or a path where no
// connection works. Such mail goes back soon at the path's pace; parking
// it for the retry schedule (tens of minutes) would only make it wait
// behind the mail that came after it. A 4xx about the message itself (a
// full mailbox, greylisting) keeps the schedule.
func pathCause(c policy.Classification, o egress.Outcome, resp message.Response) bool {
	return throttleSignal(c, resp) || trafficControl(c) || !o.RetryAt.IsZero() ||
		resp.Code == 0 && o.Err != nil || (resp.Code == 421 || egress.NotAccepting(resp)) && sessionCategory(c.Category)
}

// throttleSignal reports whether a reply tells the path to send slower: a
// throttle (RateLimited), or a temporary refusal for the sending IP's or
// domain's reputation. Providers meter by reputation with 4xx replies
// ("451 4.7.650 ... temporarily rate limited due to IP reputation",
// Gmail's 421 4.7.0 about an unusual rate of unsolicited mail): the
// category names the cause an operator reads in reports, the cut is what
// delivers the rest; a 5xx reputation block is a verdict, not a pace.
//
// A rate or a quota of one receiving mailbox is no such signal
// (message.Response.MailboxRate: Gmail's "450 4.2.1 The user you are
// trying to contact is receiving mail at a rate ..."): until 2026-12 six
// refusals of one busy mailbox cut a path's rate from 20 msg/s to 3.8
// for every other recipient (TestMailboxReceivingRateDefersOnlyThatRecipient).
//
// A 4xx reputation reply the classifier bounces is a verdict too: Yahoo's
// "421 4.7.0 [TSS09] All messages from [IP] will be permanently deferred;
// Retrying will NOT succeed" is a block, which a lower rate does not
// lift (sdk/go/bounce bounces a deferral that says a retry will not
// succeed; the shipped classifier also suspends the path). Until 2026-12
// it cut the path's rate as Outlook.com's meter does.
func throttleSignal(c policy.Classification, resp message.Response) bool {
	return c.Category == policy.CategoryRateLimited && !resp.MailboxRate() ||
		c.Category == policy.CategoryReputationBlock && resp.Code >= 400 && resp.Code < 500 && c.Action != policy.ActionBounce
}

// tenantScoped reports whether the policy scoped a reply's traffic
// control to the message's tenant (classify scope "tenant": its mail to
// this site). A throttle so scoped is that tenant's limit, not the
// path's: Gmail counts its "421 4.7.28 ... unusual rate of unsolicited
// mail" for the sender's SPF, DKIM or URL domain as well as for the
// client's IP, and a path (one source IP to one site) is shared by every
// tenant that sends from that IP. The path's rate is not cut for it; the
// tenant's suspension holds the tenant's mail, and the reply's message is
// still retried at the path's pace (pathCause). Only a suspension: a
// tenant's action cannot change a path's limits (rate_factor and
// max_connections are refused for a tenant selector, mta/shaping), and a
// throttle whose scoped action is refused still cuts the path, lest
// nothing slow down at all. Until 2026-12 the engine
// cut the path as for any throttle, whatever the scope the policy gave:
// one tenant's refused domain took a shared path from 20 msg/s to 3.7
// for the other (TestTenantScopedThrottleDoesNotCutThePath).
func tenantScoped(c policy.Classification, tenant string) bool {
	return c.Scope == policy.ScopeTenant && c.Suspend && trafficControl(c) && tenant != ""
}

// mailboxRetryBase is the first retry delay of a recipient whose mailbox
// refused it for the rate at which it receives mail (MailboxRate),
// doubling per attempt, never later than the schedule. Gmail's per-user
// receiving limits are counted per minute, hour and day (60, 3,600,
// 86,400: Google Workspace's "Email receiving limits"), Exchange Online's
// per hour (5.2.121, 5.2.122): a minute's wait clears the first, and
// doubling reaches an hour's limit in 6 attempts of one recipient, where a
// throttle's retry_throttled (5 s by default) would come back to the same refusal a dozen times a
// minute and the schedule's tens of minutes would hold the first kind
// for nothing.
const mailboxRetryBase = time.Minute

// mailboxRate reports whether a deferral is one receiving mailbox's rate
// or quota, which the policy asked no traffic control for.
func mailboxRate(c policy.Classification, resp message.Response) bool {
	return c.Category == policy.CategoryRateLimited && resp.MailboxRate() && !trafficControl(c)
}

// unexplained reports whether a reply is a 4xx that names no cause: no
// category but TransientFailure, no action asked, not a 421 (the
// session's end: pathCause) and no greylist (the caller has checked that
// it states no delay: statedRetry). Alone it is a temporary failure of
// its message; in a run on the path it is a throttle
// (egress.Path.Unexplained): "451 Try again later" from a limiter that
// refuses the excess without saying so.
func unexplained(c policy.Classification, resp message.Response, stage string) bool {
	if c.Category != policy.CategoryTransientFailure || c.Action != policy.ActionDefault ||
		resp.Code/100 != 4 || resp.Code == 421 || stage != "mail" && stage != "rcpt" && stage != "data" {
		return false
	}
	return !namesGreylist(resp.Text)
}

// sessionEnd reports whether a reply is a 421 that names no cause (the
// server closing the channel) to the MAIL FROM of a session that had
// carried mail: a limit of messages per session worded as a generic
// deferral ("421 4.7.0 Try again later, closing connection"). The
// message was never offered; a new session takes it at once. (The words
// egress knows for such a limit, "per connection", put the job back
// without an attempt; a fresh session's 421 keeps pathCause's pace.)
func sessionEnd(c policy.Classification, o egress.Outcome, resp message.Response, stage string) bool {
	return o.Reused && stage == "mail" && resp.Code == 421 && sessionCategory(c.Category) && !trafficControl(c)
}

// sessionCategory reports whether a category names no cause about the
// message: a 421 in it is the session's end. A protocol error is the
// session's too: a server ends a session after too many errors made
// without delivering mail (Postfix's smtpd_hard_error_limit, "421 4.7.0
// <host> Error: too many errors"; Exim's "too many syntax or protocol
// errors"), counting every refused recipient of the mail sent before
// (stale addresses of a list), and answers so whatever command comes
// next. Until 2026-12 the message that command belonged to waited for
// the schedule (TestTooManyErrorsEndsTheSessionNotTheMessage: 3 of 6
// messages delivered after 30 s, the others an hour later).
func sessionCategory(c string) bool {
	switch c {
	case policy.CategoryTransientFailure, policy.CategoryBadConnection, policy.CategoryOther, policy.CategoryNoAnswerFromHost,
		policy.CategoryProtocolErrors:
		return true
	}
	return false
}

// tookAny reports whether the transaction of o took a recipient: its
// RCPT accepted, whatever the reply to the data.
func tookAny(o egress.Outcome) bool {
	if o.Err != nil || o.Stage == "mail" {
		return false
	}
	for i := range o.Rcpt {
		if i < len(o.OwnReply) && !o.OwnReply[i] {
			return true
		}
	}
	return false
}

// loneRetryBase is the first retry delay of a 4xx that names no cause
// and came alone (unexplained), doubling per attempt: as Postfix's
// minimal back-off is minutes, not the tens of minutes of a provider's
// schedule.
const loneRetryBase = time.Minute

// doublingDelay is base doubled per attempt after the first, at most an hour.
func doublingDelay(base time.Duration, attempts int) time.Duration {
	d := base
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return d
}

// pacedRetry shortens next, computed from the path's retry schedule, for
// a deferral with a path cause (pathCause): not before base, the queue's
// retry_throttled (doubling per attempt) nor the end of a dead path's back-off, and at a slot of its own
// at the path's pace, so that the mail a throttle deferred comes back
// spread over time instead of as one herd.
func pacedRetry(p *egress.Path, base time.Duration, attempts int, o egress.Outcome, next time.Time) time.Time {
	return pacedRetryAfter(p, doublingDelay(base, attempts), o, next)
}

// pacedRetryAfter is pacedRetry after d.
func pacedRetryAfter(p *egress.Path, d time.Duration, o egress.Outcome, next time.Time) time.Time {
	if p == nil {
		return next
	}
	earliest := time.Now().Add(d)
	if o.RetryAt.After(earliest) {
		earliest = o.RetryAt
	}
	if earliest.After(next) {
		return next
	}
	if t := p.RetrySlot(earliest); t.Before(next) {
		return t
	}
	return next // the path's pace is slower than its schedule
}

// expire ends an item that outlived the path's max age without attempting it.
func (e *Engine) expire(key message.QueueKey, m *message.Message, it *queue.Item, _ string, site, pool, source string) {
	j := &egress.Job{Msg: m, Items: []*queue.Item{it}, Queue: key, Pool: pool}
	resp := message.Response{Code: 0, Text: "message expired: queued longer than max age"}
	var idx []int
	var states []message.RcptState
	header := e.copyHeader(j)
	for _, ri := range it.Rcpts {
		r := e.baseRecord(j, attempt{site: site, pool: pool, source: source}, egress.Outcome{}, ri, int(it.Attempts))
		r.Type = events.Expiration
		r.Category = policy.CategoryMessageExpired
		r.Response = &resp
		r.OriginalHeader = header
		e.record(r)
		idx = append(idx, int(ri))
		states = append(states, message.RcptState{Status: message.Bounced, Attempts: int(it.Attempts), Last: resp})
	}
	if e.pendingItems(m.ID) > 1 {
		if err := e.spool.SetStates(m.ID, idx, states, false); err != nil {
			e.log.Error("spool: save recipient states", "id", m.ID, "err", err)
		}
	}
	e.itemDone(it.ID, 1)
}

// replyText is a reply as one line ("421 4.7.28 ... rate limited"), shown
// with the cut of a learned limit it caused.
func replyText(r message.Response) string {
	return strings.Join(strings.Fields(fmt.Sprintf("%d %s %s", r.Code, r.Enhanced, r.Text)), " ")
}
