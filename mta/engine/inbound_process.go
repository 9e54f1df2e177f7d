package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/feedback"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/verp"
)

// inboundBatch is how many kept reports one pass reads.
const inboundBatch = 64

var errBatchFull = errors.New("batch full")

// processInbound processes the kept reports: at start (what a crash left),
// when a report arrives, and every few seconds (retries, pruning).
func (e *Engine) processInbound(ctx context.Context) {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	var pruned time.Time
	for {
		e.drainInbound(ctx)
		if time.Since(pruned) > time.Minute {
			e.pruneInboundRaw(time.Now())
			pruned = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-e.fb.wake:
		case <-tick.C:
		}
	}
}

type keptReport struct {
	id message.ID
	v  []byte
}

// drainInbound processes every kept report once. One that fails stays
// kept and is tried again at the next pass; one processed is deleted
// (not synced: if a crash undoes the deletion, the report is processed
// again, and suppression entries are added once).
func (e *Engine) drainInbound(ctx context.Context) {
	var from []byte // past the reports this pass has tried
	for ctx.Err() == nil {
		var batch []keptReport
		err := e.spool.ScanAuxFrom(nsInbound, nil, from, func(k, v []byte) error {
			if len(k) == len(message.ID{}) {
				batch = append(batch, keptReport{message.ID(k), v})
			}
			if len(batch) == inboundBatch {
				return errBatchFull
			}
			return nil
		})
		if err != nil && !errors.Is(err, errBatchFull) {
			e.log.Warn("inbound: read kept reports", "err", err)
			return
		}
		for _, r := range batch {
			if err := e.processReport(ctx, r.id, r.v); err != nil {
				e.log.Warn("inbound: report not processed; tried again later", "report", r.id, "err", err)
				continue
			}
			if err := e.spool.DeleteAux(nsInbound, r.id[:], false); err != nil {
				e.log.Warn("inbound: delete processed report", "report", r.id, "err", err)
				return
			}
		}
		if len(batch) < inboundBatch {
			return
		}
		// Go on past this batch: reports that keep failing must not hold
		// back the ones behind them.
		from = append(append([]byte(nil), batch[len(batch)-1].id[:]...), 0)
	}
}

// processReport parses one report, matches it to the message it is
// about, and writes its records and suppression entries.
func (e *Engine) processReport(ctx context.Context, id message.ID, v []byte) error {
	env, raw, err := decodeInbound(v)
	rep := &feedback.Report{Kind: feedback.KindUnknown}
	if err == nil {
		rep = feedback.Parse(raw)
	}
	if rep.Kind == feedback.KindUnknown || len(rep.Recipients) == 0 {
		return e.keepUnknown(id, v, env)
	}
	m := e.matchReport(env, rep)
	for i := range rep.Recipients {
		if err := e.reportRecipient(ctx, id, env, rep, &rep.Recipients[i], m); err != nil {
			return err
		}
	}
	return nil
}

// keepUnknown moves a report not understood to inbound-raw, kept
// inbound.keep_raw, and records it.
func (e *Engine) keepUnknown(id message.ID, v []byte, env inboundEnvelope) error {
	if err := e.spool.PutAux(nsInboundRaw, id[:], v, false); err != nil {
		return fmt.Errorf("keep raw report: %w", err)
	}
	until := id.Time().Add(e.conf().Inbound.KeepRaw)
	e.record(&events.Record{Type: events.OOB, Peer: env.Peer, Sender: env.Sender,
		Reason: fmt.Sprintf("not understood: raw message kept as inbound-raw/%s until %s", id, until.UTC().Format(time.RFC3339)),
		Meta:   map[string]string{"kind": string(feedback.KindUnknown), "report_id": id.String()}})
	return nil
}

// pruneInboundRaw deletes raw reports older than inbound.keep_raw.
func (e *Engine) pruneInboundRaw(now time.Time) {
	var old [][]byte
	e.spool.ScanAux(nsInboundRaw, nil, func(k, _ []byte) error {
		if len(k) == len(message.ID{}) && now.Sub(message.ID(k).Time()) > e.conf().Inbound.KeepRaw {
			old = append(old, k)
		}
		return nil
	})
	for _, k := range old {
		e.spool.DeleteAux(nsInboundRaw, k, false)
	}
}

// reportMatch is what a report was matched to.
type reportMatch struct {
	id       string // message id, "" when unmatched
	tenant   string
	campaign string
	how      string // "verp" (a verified token), "header" (the quoted trace field), "none"
	problem  string // why no verified token was found, when none was
	// bound: the verified token names one recipient, addr when the
	// report names it ("" when the report is about another address, or
	// redacts it). A token of every recipient of its transaction vouches
	// for the report's recipients among rcpts (the message's, while it is
	// in the spool).
	bound bool
	addr  string
	rcpts []string
}

// verified reports whether the match may change a suppression list: only
// a token whose signature verified says which tenant a report is about.
func (m *reportMatch) verified() bool { return m.how == "verp" }

var wasmtaTraceRE = regexp.MustCompile(`\(wasmta\) with \S+ id ([0-9a-f]{32})`)

// matchReport finds the message a report is about: by a VERP token (the
// report's envelope recipient, ARF's Original-Mail-From, the quoted
// Return-Path), else by the quoted original's wasmta trace field.
func (e *Engine) matchReport(env inboundEnvelope, rep *feedback.Report) reportMatch {
	cands := append([]string(nil), env.Recipients...)
	cands = append(cands, rep.OriginalMailFrom)
	if rep.Original != nil {
		cands = append(cands, strings.Trim(rep.Original.Get("return-path"), "<> "))
	}
	var named []string // the addresses the report is about
	for _, rc := range rep.Recipients {
		named = append(named, rc.Address, rc.Original, rc.Final)
	}
	m := reportMatch{how: "none"}
	for _, a := range cands {
		tok, err := e.parseReturnPath(a, named)
		if err == nil {
			m = reportMatch{id: tok.ID.String(), tenant: tok.Tenant, how: "verp", bound: tok.Rcpt != verp.AllRecipients, addr: tok.Addr}
			e.fillFromSpool(&m, tok.ID)
			return m
		}
		if m.problem == "" && !errors.Is(err, errNoReturnPath) {
			m.problem = err.Error()
		}
	}
	if m.problem == "" {
		m.problem = "no VERP return path in the report"
	}
	if rep.Original != nil {
		for _, r := range rep.Original.All("received") {
			if sm := wasmtaTraceRE.FindStringSubmatch(r); sm != nil {
				m.id, m.how = sm[1], "header"
				return m
			}
		}
	}
	return m
}

var errNoReturnPath = errors.New("not a return path of this server")

// parseReturnPath checks a VERP address against the tenants whose
// return path has its prefix and domain.
func (e *Engine) parseReturnPath(addr string, named []string) (verp.Token, error) {
	local, domain, ok := strings.Cut(addr, "@")
	prefix, _, plus := strings.Cut(local, "+")
	if !ok || !plus || e.fb.signer == nil {
		return verp.Token{}, errNoReturnPath
	}
	var tenants []string
	for t, rp := range e.fb.returnPaths {
		if strings.EqualFold(rp, prefix+"@"+domain) {
			tenants = append(tenants, t)
		}
	}
	if len(tenants) == 0 {
		return verp.Token{}, errNoReturnPath
	}
	return e.fb.signer.ParseFor(local, tenants, named)
}

// fillFromSpool takes the campaign from the message, when it is still in
// the spool (other recipients pending).
func (e *Engine) fillFromSpool(m *reportMatch, id message.ID) {
	if msg, err := e.spool.Message(id); err == nil {
		m.campaign = msg.Campaign
		for _, r := range msg.Recipients {
			m.rcpts = append(m.rcpts, r.Addr)
		}
	}
}

// reportRecipient writes the record of one reported recipient and, for a
// verified hard bounce or complaint, the suppression entry.
func (e *Engine) reportRecipient(ctx context.Context, id message.ID, env inboundEnvelope, rep *feedback.Report,
	rc *feedback.Recipient, m reportMatch) error {
	r := &events.Record{Type: events.OOB, ID: m.id, Tenant: m.tenant, Campaign: m.campaign, Recipient: rc.Address,
		Peer: env.Peer, Meta: map[string]string{"kind": string(rc.Kind), "report_id": id.String(), "match": m.how}}
	e.fromDelivery(ctx, r)
	setMeta(r.Meta, "action", rc.Action)
	setMeta(r.Meta, "remote_mta", rc.RemoteMTA)
	setMeta(r.Meta, "reporting_mta", rep.ReportingMTA)
	if rep.Original != nil {
		setMeta(r.Meta, "original_message_id", rep.Original.MessageID)
	}
	var d suppression
	switch rc.Kind {
	case feedback.KindBounce:
		r.Response = &message.Response{Code: rc.Code, Enhanced: rc.Status, Text: rc.Diagnostic}
		cls, _ := e.guard.Classify(ctx, rc.ClassifyInput(m.tenant))
		r.Category = cls.Category
		d = bounceSuppression(cls, rc.Code, rc.Status, rc.Action != "delayed", e.hardBounceTTL(m.tenant))
		if rc.Action == "delayed" {
			r.Meta["kind"] = "delayed"
		}
	case feedback.KindFeedback:
		r.Type = events.Feedback
		r.Meta["kind"] = rep.FeedbackType
		setMeta(r.Meta, "feedback_type", rep.FeedbackType)
		setMeta(r.Meta, "source_ip", rep.SourceIP)
		cls, _ := e.guard.Classify(ctx, &policy.ClassifyInput{Tenant: m.tenant, Domain: message.Domain(rc.Address),
			Stage: policy.StageFeedback, Text: rep.FeedbackType, OutOfBand: true})
		d = complaintSuppression(cls, rep.FeedbackType)
	}
	text, err := e.suppressFor(r, rc, m, d)
	if err != nil {
		return err // the report is processed again: the list must not miss it
	}
	r.Reason = text
	e.record(r)
	return nil
}

func setMeta(meta map[string]string, k, v string) {
	if v != "" {
		meta[k] = v
	}
}
