package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/intake"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/spool"
)

// spoolers bounds the messages of one request spooled at once: they share
// the spool's group commits.
const spoolers = 16

// process runs the reception policy, renders and builds the messages,
// takes the tenant's rate tokens, and spools.
func (s *Server) process(w http.ResponseWriter, r *http.Request, in *inbound, j *job, rcpts []rcpt) {
	ctx := r.Context()
	resp := &Response{Recipients: make([]RcptResult, len(rcpts)), Messages: []MessageInfo{}}
	for i := range rcpts {
		resp.Recipients[i].Address = rcpts[i].addr
	}
	lim, ok := s.mailFrom(ctx, in, j, resp, len(rcpts))
	if ok && len(rcpts) > lim.MaxRecipients {
		fe := FieldError{Field: "recipients", Problem: fmt.Sprintf("%d recipients, more than the limit of %d for tenant %q",
			len(rcpts), lim.MaxRecipients, in.tenant)}
		writeError(w, http.StatusBadRequest, fe.Field+": "+fe.Problem, []FieldError{fe})
		return
	}
	var accepted []*rcpt
	if ok {
		accepted = s.checkRcpts(ctx, in, j, rcpts, resp)
	}
	if len(accepted) > 0 && !s.spoolAll(w, ctx, in, j, lim, accepted, resp) {
		return
	}
	for _, rr := range resp.Recipients {
		if rr.Status == StatusAccepted {
			resp.Accepted++
		} else {
			resp.Rejected++
		}
	}
	if st := resp.status(); st == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "60")
	}
	writeJSON(w, resp.status(), resp)
}

// mailFrom runs on_mail_from; a refusal refuses every recipient.
func (s *Server) mailFrom(ctx context.Context, in *inbound, j *job, resp *Response, n int) (intake.Limits, bool) {
	res := s.guard.MailFrom(ctx, &policy.MailFromInput{Peer: in.policyPeer(), Tenant: in.tenant, Sender: j.sender})
	if res.Reject != nil {
		rp := policyReply(res.Reject)
		for i := range resp.Recipients {
			resp.Recipients[i] = rp.result(resp.Recipients[i].Address)
		}
		s.rejection(in, "", n, "policy", policy.HookMailFrom, rp)
		return intake.Limits{}, false
	}
	if res.Tenant != "" {
		in.tenant = res.Tenant
	}
	if res.Campaign != "" {
		j.campaign = res.Campaign
	}
	j.meta = intake.MergeMeta(res.Meta, j.meta)
	return s.intake.Limits(in.tenant), true
}

// checkRcpts runs on_rcpt for each recipient and returns the accepted.
func (s *Server) checkRcpts(ctx context.Context, in *inbound, j *job, rcpts []rcpt, resp *Response) []*rcpt {
	var out []*rcpt
	for i := range rcpts {
		r := &rcpts[i]
		res := s.guard.Rcpt(ctx, &policy.RcptInput{Peer: in.policyPeer(), Tenant: in.tenant,
			Campaign: j.campaign, Sender: j.sender, Recipient: r.addr})
		if res.Reject != nil {
			rp := policyReply(res.Reject)
			resp.Recipients[i] = rp.result(r.addr)
			s.rejection(in, r.addr, 0, "policy", policy.HookRcpt, rp)
			continue
		}
		out = append(out, r)
	}
	return out
}

// spoolAll renders, builds, takes rate tokens and spools every message. It
// answers the request itself (and returns false) when the request as a
// whole fails: a template error, a message over the size limit, the rate.
func (s *Server) spoolAll(w http.ResponseWriter, ctx context.Context, in *inbound, j *job, lim intake.Limits,
	accepted []*rcpt, resp *Response) bool {
	j.left = s.opts.MaxRequestBytes
	vs, ferr := j.variants(accepted, lim.MaxMessageBytes)
	if ferr != nil && j.overTotal {
		return s.requestTooLarge(w, in, len(accepted))
	}
	if ferr != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid request: %s: %s", ferr.Field, ferr.Problem), []FieldError{*ferr})
		return false
	}
	now := time.Now()
	for _, v := range vs {
		v.id = message.NewID(now)
		msg, err := j.build(v, s.opts.Hostname, now)
		if err != nil {
			fe := buildProblem(v, err)
			writeError(w, http.StatusBadRequest, "invalid request: "+fe.Field+": "+fe.Problem, []FieldError{fe})
			return false
		}
		if j.take(int64(len(msg))) != nil {
			return s.requestTooLarge(w, in, len(accepted))
		}
		if !in.meter.Hold(in.meter.Held() + int64(len(msg))) {
			return s.shortOfMemory(w, in, len(accepted))
		}
		if int64(len(msg)) > lim.MaxMessageBytes {
			s.rejection(in, "", len(v.rcpts), "size", "")
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf(
				"message of %d bytes, over the size limit of %d bytes", len(msg), lim.MaxMessageBytes), nil)
			return false
		}
		v.msg = msg
	}
	if ok, wait := s.intake.Take(in.tenant, len(vs), now); !ok {
		s.rejection(in, "", len(accepted), "rate", "")
		tooMany(w, wait, len(vs), lim.MessagesPerMinute)
		return false
	}
	s.spoolVariants(ctx, in, j, vs, resp, now)
	return true
}

// requestTooLarge answers 413: the request's messages, rendered and built,
// are over Options.MaxRequestBytes (templating multiplies a small request
// by its recipients).
func (s *Server) requestTooLarge(w http.ResponseWriter, in *inbound, rcpts int) bool {
	s.rejection(in, "", rcpts, "size", "")
	writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf(
		"the messages this request builds (rendered for each recipient) total more than %d bytes, the limit of one request: split it",
		s.opts.MaxRequestBytes), nil)
	return false
}

// shortOfMemory answers 503: the message data in flight of all requests
// and SMTP sessions would pass the budget.
func (s *Server) shortOfMemory(w http.ResponseWriter, in *inbound, rcpts int) bool {
	s.rejection(in, "", rcpts, "memory", "", replyMemory)
	w.Header().Set("Retry-After", "60")
	writeError(w, http.StatusServiceUnavailable, "insufficient system storage (message data in flight), retry later", nil)
	return false
}

// buildProblem explains why a rendered message could not be built: a
// substitution put a line break into the subject, say.
func buildProblem(v *variant, err error) FieldError {
	if len(v.rcpts) == 1 && v.rcpts[0].own() {
		return FieldError{Field: fmt.Sprintf("recipients[%d].substitutions", v.rcpts[0].index),
			Problem: fmt.Sprintf("recipient %s: %v", v.rcpts[0].addr, err)}
	}
	return FieldError{Field: "content", Problem: sharedRecipients(v.rcpts) + ": " + err.Error()}
}

// spoolVariants spools the messages concurrently, so that they share the
// spool's syncs, and fills in each recipient's result.
func (s *Server) spoolVariants(ctx context.Context, in *inbound, j *job, vs []*variant, resp *Response, now time.Time) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, spoolers)
	for _, v := range vs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			m, rp := s.spoolOne(ctx, in, j, v, now)
			mu.Lock()
			defer mu.Unlock()
			for _, r := range v.rcpts {
				if rp != nil {
					resp.Recipients[r.index] = rp.result(r.addr)
					continue
				}
				resp.Recipients[r.index] = RcptResult{Address: r.addr, Status: StatusAccepted, ID: m.ID.String()}
			}
			if rp == nil {
				resp.Messages = append(resp.Messages, MessageInfo{ID: m.ID.String(), Recipients: len(v.rcpts), Size: m.Size})
			}
		})
	}
	wg.Wait()
}

// spoolOne runs on_message, signs and submits one message; a non-nil
// reply refuses its recipients.
func (s *Server) spoolOne(ctx context.Context, in *inbound, j *job, v *variant, now time.Time) (*message.Message, *reply) {
	addrs := make([]string, len(v.rcpts))
	for i, r := range v.rcpts {
		addrs[i] = r.addr
	}
	res := s.guard.Message(ctx, &policy.MessageInput{Peer: in.policyPeer(), Tenant: in.tenant, Campaign: j.campaign,
		Sender: j.sender, Recipients: addrs, Header: headerBlock(v.msg), Size: int64(len(v.msg)), Meta: v.meta})
	if res.Reject != nil {
		rp := policyReply(res.Reject)
		s.rejection(in, "", len(addrs), "policy", policy.HookMessage, rp)
		return nil, &rp
	}
	m := s.newMessage(in, j, v, addrs, &res, now)
	body, err := s.buildBody(ctx, m, &res, v.msg)
	if err != nil {
		s.log.Error("httpapi: signing", "id", m.ID, "tenant", m.Tenant, "err", err)
		s.rejection(in, "", len(addrs), "sign", "", replySign)
		return nil, &replySign
	}
	m.Size = int64(len(body))
	spooled := func() {
		s.rec.Record(&events.Record{Type: events.Reception, Time: m.ReceivedAt, ID: m.ID.String(), Tenant: m.Tenant,
			Campaign: m.Campaign, Sender: m.Sender, Recipients: len(m.Recipients), Size: m.Size,
			Peer: m.Peer, Protocol: m.Protocol, TLS: in.tls, Meta: m.Meta})
	}
	if err := s.opts.Submitter.Submit(ctx, m, body, spooled); err != nil {
		rp, reason := replySpool, "spool"
		if errors.Is(err, spool.ErrFull) {
			rp, reason = replySpoolFull, "spool-full"
		} else {
			s.log.Error("httpapi: submit", "id", m.ID, "tenant", m.Tenant, "err", err)
		}
		s.rejection(in, "", len(addrs), reason, "", rp)
		return nil, &rp
	}
	return m, nil
}

func (s *Server) newMessage(in *inbound, j *job, v *variant, addrs []string, res *policy.MessageResult, now time.Time) *message.Message {
	env := intake.Envelope{Tenant: in.tenant, Campaign: j.campaign, Sender: j.sender, Recipients: addrs,
		Meta: v.meta, Peer: in.peer, AuthUser: in.authUser, Protocol: in.protocol}
	m := intake.NewMessage(&env, res, v.id, now)
	m.RequireTLS = j.requireTLS
	return m
}
