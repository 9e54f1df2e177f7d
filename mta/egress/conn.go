package egress

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/adaptive"
	"github.com/wasmta/wasmta/mta/delivery"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/mx"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/tlspolicy"
)

// conn is one connection worker of a path: it takes jobs from the path's
// ready queue and delivers them over one SMTP session, reconnecting never
// (a new worker is spawned instead) so that connection limits stay exact.
type conn struct {
	set  *Set
	path *Path
	sess *delivery.Session
	info Conn
	sent int
	// opened is when the session began; last is when its last
	// transaction ended.
	opened, last time.Time
	// checks are the TLS policy checks the session passed (or failed
	// without enforcement), by policy domain.
	checks map[string]*tlspolicy.Failure
	// shared are the limits the path shares with other nodes (nil: none);
	// slot gives back the connection slot held, if any.
	shared Shared
	slot   func()
}

func (c *conn) run(ctx context.Context) (shrunk bool) {
	defer c.close()
	h := c.set.opts.Handler
	for {
		if ctx.Err() != nil {
			return false
		}
		if c.path.shrink() {
			return true
		}
		shape, _ := c.path.Shape()
		idle := shape.IdleTimeout
		if c.sess == nil {
			idle = 100 * time.Millisecond // we were spawned for a job another worker took
		}
		if c.slot != nil {
			idle = min(idle, sharedIdle)
		}
		j := c.path.waitJob(ctx, idle)
		if j == nil {
			return false
		}
		if c.held(j) {
			continue
		}
		if err := h.Load(j); err != nil {
			h.Done(c.path, j, failure(j, "load", err))
			continue
		}
		// A slot of the fleet's before a token: a worker that could not
		// connect would waste the token.
		if c.sess == nil && !c.leaseSlot(ctx, j) {
			return false // the fleet's connections to the destination are all open
		}
		// A worker with a session takes its tokens now; one without dials
		// first and takes them once the session is up (tokenAfterDial).
		early := !c.tokenAfterDial(shape)
		if early && !c.tokens(ctx, j, shape) {
			continue
		}
		pol, rest := c.policyFor(ctx, j)
		if rest != nil {
			c.path.pushFront(rest)
		}
		if c.sess != nil && !c.satisfies(pol) {
			c.close() // this host does not do for j's domain: dial one that does
		}
		if early && c.sess == nil && !c.open(ctx, j, shape, pol) {
			return false
		}
		if !early {
			// Owed: this worker takes a token once its session is up.
			// Until then the path counts it as taken (tokenReadyLocked),
			// as it would have been before the dial.
			c.path.owe(1)
			opened := c.open(ctx, j, shape, pol) // tokenAfterDial: no session
			c.path.owe(-1)
			if !opened {
				return false
			}
			if !c.tokens(ctx, j, shape) {
				continue
			}
			if c.sess == nil && !c.open(ctx, j, shape, pol) { // a wait grown long closed it
				return false
			}
		}
		if !c.deliver(ctx, j, pol) {
			return false
		}
		if shape.MessagesPerConn > 0 && c.sent >= shape.MessagesPerConn {
			c.path.sessionCapped(c.sent, time.Now())
			return false
		}
		if c.slot != nil && c.shared.Over() {
			return false // the node holds more of the fleet's slots than its share
		}
	}
}

// held asks the handler whether a live action holds j back now.
func (c *conn) held(j *Job) bool {
	g, ok := c.set.opts.Handler.(Gate)
	return ok && g.Hold(c.path, j)
}

// open dials a session for j, which the worker holds; it reports false
// when the worker must end (the path is dead or cooling, or the dial
// failed: j was dealt with).
func (c *conn) open(ctx context.Context, j *Job, shape policy.Shape, pol *tlspolicy.Policy) bool {
	if until, err := c.path.deadSince(); err != nil {
		c.deferJobs([]*Job{j}, err, until) // the path died while we held j
		return false
	}
	if c.path.cooling() {
		c.path.pushFront(j) // a dial failed a moment ago: not now
		return false
	}
	started := time.Now()
	c.path.dialBegin()
	err := c.dial(ctx, shape, pol)
	c.path.dialEnd(started)
	if err != nil {
		if errors.Is(err, errLoopsToSelf) {
			c.loops(j, err)
			return false
		}
		var pe *policyError
		if errors.As(err, &pe) {
			c.tlsFailed(j, pe)
			return false
		}
		if ctx.Err() != nil {
			// Shutting down: the cancelled dial says nothing about
			// the hosts. The jobs stay as the spool has them and
			// are due again at the next start.
			return false
		}
		c.dialFailed(j, err, started)
		return false
	}
	return true
}

// tokens takes j's message tokens, the path's and the fleet's, and asks
// whether a live action holds j back; it reports false when j is no
// longer this worker's.
func (c *conn) tokens(ctx context.Context, j *Job, shape policy.Shape) bool {
	return c.waitToken(ctx, j, shape) && c.waitShared(ctx, j, shape) && !c.held(j)
}

// tokenAfterDial reports whether a worker takes j's message token after it
// has dialled, rather than before: it has no session, the path's bucket
// is one message deep (oneDeepLocked), the wait for a token is short
// enough for a session to be kept through it, and no fleet's tokens are
// shared. A destination meters the transactions it is sent, at MAIL or
// RCPT: a token taken before a dial is spent a connection, a greeting and
// a TLS handshake later, while a worker whose session is open sends at its
// token, so two transactions reached the destination closer than 1/rate
// apart (a dial of 0.2 s on a path at 1.27 msg/s: 0.59 s apart, under a
// destination's 0.79 s), and one a bucket one message deep refuses at a
// rate below its limit (the blind benchmark's Apple at 1.26 msg/s, which
// closes the session at each refusal, so that the next message dials
// again). Paced at the transaction, as TCP paces what it transmits, not
// what it queues. A dial that fails wastes no token either.
func (c *conn) tokenAfterDial(shape policy.Shape) bool {
	return c.sess == nil && c.shared == nil && c.path.tokenAfterDial(time.Now(), maxTokenWait(shape.IdleTimeout))
}

// waitToken takes a token from every message bucket of the path, waiting
// for it; a session is not kept open through a long wait. At shutdown the
// job goes back to its path (it is in the spool anyway).
func (c *conn) waitToken(ctx context.Context, j *Job, shape policy.Shape) bool {
	now := time.Now()
	d, cancel, _ := c.path.msgs.reserve(now, time.Duration(math.MaxInt64))
	c.path.rateWaited(d)
	if d > maxTokenWait(shape.IdleTimeout) {
		c.close()
	}
	if err := wait(ctx, d, cancel); err != nil {
		c.path.pushFront(j)
		return false
	}
	return true
}

// deliver makes one transaction; it reports false when the session is
// no longer usable.
func (c *conn) deliver(ctx context.Context, j *Job, pol *tlspolicy.Policy) bool {
	c.path.active.Add(1)
	rcpts := j.Rcpts()
	t0 := time.Now()
	c.path.sent(t0)
	res, err := c.sess.DeliverWith(ctx, c.set.opts.sender(j), rcpts, j.Body,
		delivery.Params{RequireTLS: pol != nil && pol.RequireTLS})
	c.path.active.Add(-1)
	now := time.Now()
	c.path.observe(now.Sub(t0))
	c.path.lastUse.Store(now.UnixNano())
	reused, gap := c.sent > 0, t0.Sub(c.last)
	c.sent++
	c.last = now
	if err != nil && reused && endedBeforeMail(err) {
		if countedEnd(err, gap) {
			c.path.sessionEnded(c.sent-1, c.opened, now)
		}
		c.path.pushFront(j) // never offered: the next session takes it
		return false
	}
	if err != nil {
		o := failure(j, stageOf(err), err)
		var de *delivery.Error
		if errors.As(err, &de) && de.Response.Code != 0 {
			for i := range o.Rcpt {
				o.Rcpt[i] = de.Response
			}
		}
		o.Conn = c.info
		o.TLSCheck = c.tlsCheck(pol)
		o.Reused = reused
		if isTimeout(err) {
			c.path.Signal(adaptive.Timeout, whyOf(err))
		}
		c.set.opts.Handler.Done(c.path, j, o)
		return false
	}
	if reused && res.Whole && res.Response.Code >= 400 && countUsedUp(res.Response) {
		if gap < busyGap {
			c.path.sessionEnded(c.sent-1, c.opened, now)
		}
		c.path.pushFront(j) // never offered: the next session takes it
		return false
	}
	// A recipient is delivered when its RCPT and the final reply are both
	// 2xx; Deliver has already reset the session after a refusal.
	o := Outcome{Rcpt: make([]message.Response, len(rcpts)), OwnReply: make([]bool, len(rcpts)),
		Stage: "data", Conn: c.info, TLSCheck: c.tlsCheck(pol)}
	if res.Whole {
		o.Stage = "mail" // a refused MAIL FROM (or message): no recipient's own reply
	}
	ok := false
	for i := range rcpts {
		r := res.Response
		if !res.Whole && i < len(res.Rcpt) && (res.Rcpt[i].Code < 200 || res.Rcpt[i].Code >= 300) {
			r = res.Rcpt[i]
			o.Stage = "rcpt"
			o.OwnReply[i] = true
		}
		o.Rcpt[i] = r
		if r.Code/100 == 2 {
			ok = true
		}
	}
	if ok {
		c.path.delivered(now)
	}
	c.set.opts.Handler.Done(c.path, j, o)
	return ok || !noneAccepting(o.Rcpt)
}

// NotAccepting reports whether a reply is a 4xx X.3.2, "system not
// accepting network messages" (RFC 3463): the server refuses this
// session, not the message, as a 421 does. Postfix's postscreen answers
// so every RCPT of a client's first connection once it passed the tests
// it runs after the greeting, and lets the next connection through.
func NotAccepting(r message.Response) bool {
	return r.Code/100 == 4 && r.Enhanced == "4.3.2"
}

// noneAccepting reports whether every reply of a transaction was
// NotAccepting: the session ends, so that the next message takes a new
// one.
func noneAccepting(rs []message.Response) bool {
	for _, r := range rs {
		if !NotAccepting(r) {
			return false
		}
	}
	return len(rs) > 0
}

func stageOf(err error) string {
	var de *delivery.Error
	if errors.As(err, &de) && de.Stage != "" {
		return de.Stage
	}
	return "connect"
}

// tlsCheck is the outcome's account of pol on the session.
func (c *conn) tlsCheck(pol *tlspolicy.Policy) *TLSCheck {
	if pol == nil {
		return nil
	}
	return &TLSCheck{Domain: pol.Domain, Mode: pol.Mode(), Failure: c.checks[pol.Key()]}
}

// dial connects to the first host of the path that answers, in order,
// among those the TLS policy pol admits, and keeps the session only when
// it satisfies pol; a *policyError says that no host did.
func (c *conn) dial(ctx context.Context, shape policy.Shape, pol *tlspolicy.Policy) error {
	c.path.mu.Lock()
	hosts := c.path.hosts
	c.path.mu.Unlock()
	opts := c.set.opts.Session
	opts.LocalAddr = c.path.Source.Addr
	if c.path.Source.EHLO != "" {
		opts.EHLO = c.path.Source.EHLO
	}
	opts.ConnectTimeout = shape.ConnectTimeout
	opts.CommandTimeout = shape.CommandTimeout
	opts.DataTimeout = shape.DataTimeout
	if cr, ok := c.set.opts.Handler.(Credentials); ok && cr.Auth(c.path) != nil {
		opts.Auth = cr.Auth(c.path)
	}
	var errs []error
	var self []string
	pe := &policyError{pol: pol}
	admitted := make([]mx.Host, 0, len(hosts))
	for _, h := range hosts {
		if c.admit(pol, h.Name, pe) {
			admitted = append(admitted, h)
		}
	}
	tried := 0
	for _, t := range c.path.dialOrder(admitted, time.Now()) {
		h, a := t.host, t.addr
		opts.TLS = tlsMode(shape, pol, h.Name)
		ap := netip.AddrPortFrom(a, h.Port)
		if c.set.opts.Self != nil && c.set.opts.Self(ap) {
			self = append(self, ap.String())
			continue
		}
		if tried == maxAddrsPerDial {
			break
		}
		tried++
		if c.set.opts.Trace != nil {
			opts.Trace = c.set.opts.Trace(c.path.Key.Source, c.path.Key.Site, h.Name, ap)
		}
		s, err := delivery.Dial(ctx, ap, h.Name, opts)
		if err != nil {
			if ctx.Err() == nil {
				c.path.hostFailed(ap, err, time.Now())
			}
			if !c.dialRefused(pol, h.Name, a, opts.TLS, err, pe) {
				errs = append(errs, err)
			}
			continue
		}
		c.path.hostAnswered(ap)
		if !c.established(pol, s, h.Name, pe) {
			continue
		}
		c.sess = s
		// A worker may dial again after closing a session that did not
		// satisfy a domain's TLS policy: the count is the new session's.
		c.sent, c.opened = 0, time.Now()
		c.path.sessionUp(c.opened)
		c.info = Conn{Peer: ap, Hostname: h.Name}
		if st, ok := s.TLSState(); ok {
			c.info.TLS = &st
		}
		return nil
	}
	if len(pe.failures) > 0 {
		return pe // no host satisfies the policy: that is the cause, not the network
	}
	if len(errs) == 0 && len(self) > 0 {
		return fmt.Errorf("egress: %s: mail loops back to myself: %s is one of this MTA's own listeners: %w",
			c.path.Key, strings.Join(self, ", "), errLoopsToSelf)
	}
	if len(errs) == 0 {
		return fmt.Errorf("egress: %s: no host to connect to", c.path.Key)
	}
	return errors.Join(errs...)
}

// maxAddrsPerDial bounds the addresses one dial tries, as Postfix's
// smtp_mx_address_limit and Exim's hosts_max_try do (5 by default): when
// a provider refuses the source at its per-IP limit, every one of its MX
// addresses refuses it too, and each refused greeting is a connection the
// provider counts against the source (Gmail's five MX hosts have ten
// addresses, A and AAAA); RFC 5321 5.1 asks for a configurable limit of
// at least two. The addresses that did not answer a moment ago come last
// (dialOrder), so the five are the likeliest to work.
const maxAddrsPerDial = 5

// errLoopsToSelf: every host of a path is one of this MTA's own listeners.
var errLoopsToSelf = errors.New("mail loop")

// loops fails j for good: delivering to ourselves would take the message
// back in and route it here again (Postfix: "mail for ... loops back to
// myself"). The path itself is fine, so it is not marked as failing.
// j is loaded already.
func (c *conn) loops(j *Job, err error) {
	o := failure(j, "connect", err)
	for i := range o.Rcpt {
		o.Rcpt[i] = message.Response{Code: 554, Enhanced: "5.4.6", Text: err.Error()}
	}
	c.set.opts.Handler.Done(c.path, j, o)
}

// dialFailed handles a dial that failed on every host. While the path
// works the job goes back to its queue: the failure says something about
// one connection (and lowers the path's connection limit), nothing about
// the message. Only a dead path defers its queue, until its back-off ends.
func (c *conn) dialFailed(j *Job, err error, started time.Time) {
	dead, until := c.path.dialFailed(err, started, time.Now())
	if !dead {
		c.path.pushFront(j)
		return
	}
	c.deferJobs(append([]*Job{j}, c.path.TakeJobs(func(*Job) bool { return true })...), err, until)
}

// deferJobs reports the connection failure of a dead path for jobs, which
// are not worth trying before until.
func (c *conn) deferJobs(jobs []*Job, err error, until time.Time) {
	h := c.set.opts.Handler
	for _, j := range jobs {
		if lerr := h.Load(j); lerr != nil {
			h.Done(c.path, j, failure(j, "load", lerr))
			continue
		}
		o := failure(j, "connect", err)
		if !refusesMail(err) {
			o.RetryAt = until
		}
		h.Done(c.path, j, o)
	}
}

// refusesMail reports whether every host of a failed dial said that it
// does not accept mail: "521 Host does not accept mail" or "556 Domain
// does not accept mail" (RFC 7504), which its client SHOULD NOT retry. A
// dead path's failure is otherwise a deferral (a refused connection, a
// 554 greeting: the destination refusing this source for now); this one
// is the verdict the reply gives, a bounce unless the policy says retry.
func refusesMail(err error) bool {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		var de *delivery.Error
		if !errors.As(e, &de) || de.Response.Code != 521 && de.Response.Code != 556 {
			return false
		}
	}
	return len(errs) > 0
}

func failure(j *Job, stage string, err error) Outcome {
	n := 0
	for _, it := range j.Items {
		n += len(it.Rcpts)
	}
	o := Outcome{Rcpt: make([]message.Response, n), Stage: stage, Err: err}
	r := message.Response{Text: err.Error()}
	var de *delivery.Error
	if errors.As(err, &de) && de.Response.Code != 0 {
		r = de.Response
	}
	for i := range o.Rcpt {
		o.Rcpt[i] = r
	}
	return o
}

func (c *conn) close() {
	if c.sess != nil {
		c.sess.Close()
		c.sess = nil
		c.checks = nil
		c.path.sessionDown(time.Now())
	}
	if c.slot != nil {
		c.slot()
		c.slot = nil
	}
}
