package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/wasmta/wasmta/mta/intake"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/mime"
)

// variant is one message to spool: its recipients and its content.
type variant struct {
	rcpts []*rcpt
	r     rendered
	meta  map[string]string // request metadata under the recipients' own
	id    message.ID
	msg   []byte // the built message, before the trace, signature and policy fields
}

// job is a checked request.
type job struct {
	sender   string
	campaign string
	// requireTLS: the request asked for REQUIRETLS (RFC 8689); every
	// message it makes carries the flag.
	requireTLS bool
	meta       map[string]string
	subs       map[string]any
	raw        *rawMessage
	plan       *plan
	// left is what the request may still render and build, in bytes
	// (Options.MaxRequestBytes): templating multiplies a small request.
	left      int64
	overTotal bool // a rendering failed for want of left
}

// errRequestTooLarge: the messages of one request, rendered and built,
// are over Options.MaxRequestBytes.
var errRequestTooLarge = errors.New("the messages this request builds are over the size limit of one request")

// take counts n rendered or built bytes against the request's total.
func (j *job) take(n int64) error {
	if n > j.left {
		j.overTotal = true
		return errRequestTooLarge
	}
	j.left -= n
	return nil
}

// renderLimit is the most one rendering may write: the message limit, or
// what is left of the request's total when that is less.
func (j *job) renderLimit(limit int64) int64 { return min(limit, j.left) }

// renderFailed turns a template's "too large" into errRequestTooLarge when
// the request's total, not the message limit, stopped it.
func (j *job) renderFailed(err error, limit int64) error {
	if errors.Is(err, errTooLarge) && j.left < limit {
		j.overTotal = true
		return errRequestTooLarge
	}
	return err
}

func (r *rendered) size() int64 { return int64(len(r.subject) + len(r.text) + len(r.html)) }

// variants groups the accepted recipients into messages. Recipients
// without substitutions or metadata of their own share one message.
// Each other recipient gets its own, unless content.headers sets To (no
// To: field names the recipient then): recipients whose rendering and
// metadata come out the same share one message.
func (j *job) variants(rcpts []*rcpt, limit int64) ([]*variant, *FieldError) {
	var out []*variant
	var shared *variant
	byKey := map[string]*variant{}
	for _, r := range rcpts {
		if !r.own() {
			if shared == nil {
				shared = &variant{meta: j.meta}
				out = append(out, shared)
			}
			shared.rcpts = append(shared.rcpts, r)
			continue
		}
		v := &variant{rcpts: []*rcpt{r}, meta: intake.MergeMeta(j.meta, r.meta)}
		if j.plan != nil {
			var err error
			if v.r, err = j.renderFor(r, limit); err == nil {
				err = j.take(v.r.size())
			}
			if err != nil {
				return nil, &FieldError{Field: fmt.Sprintf("recipients[%d].substitutions", r.index),
					Problem: fmt.Sprintf("recipient %s: %v", r.addr, err)}
			}
		}
		key := j.variantKey(v, r)
		if prev := byKey[key]; prev != nil {
			prev.rcpts = append(prev.rcpts, r)
			continue
		}
		byKey[key] = v
		out = append(out, v)
	}
	if shared != nil && j.plan != nil {
		r, field, err := j.plan.render(j.subs, j.renderLimit(limit))
		if err != nil {
			return nil, &FieldError{Field: "content." + field, Problem: sharedRecipients(shared.rcpts) + ": " + j.renderFailed(err, limit).Error()}
		}
		if err := j.take(r.size()); err != nil {
			return nil, &FieldError{Field: "content", Problem: err.Error()}
		}
		shared.r = r
	}
	return out, nil
}

// sharedRecipients names the recipients of the shared message for a
// template error: the first by address and index, and how many more.
func sharedRecipients(rs []*rcpt) string {
	s := fmt.Sprintf("recipient %s (recipients[%d])", rs[0].addr, rs[0].index)
	if len(rs) > 1 {
		s += fmt.Sprintf(" and %d more", len(rs)-1)
	}
	return s + " with the request's substitutions"
}

func (j *job) renderFor(r *rcpt, limit int64) (rendered, error) {
	data := make(map[string]any, len(j.subs)+len(r.subs))
	maps.Copy(data, j.subs)
	maps.Copy(data, r.subs)
	out, field, err := j.plan.render(data, j.renderLimit(limit))
	if err != nil {
		return out, fmt.Errorf("content.%s: %v", field, j.renderFailed(err, limit))
	}
	return out, nil
}

// variantKey says which recipients may share a message: same rendering,
// same metadata and, when the To: field is generated, the same recipient.
func (j *job) variantKey(v *variant, r *rcpt) string {
	meta, _ := json.Marshal(v.meta) // map keys are sorted: a stable key
	k := v.r.subject + "\x00" + v.r.text + "\x00" + v.r.html + "\x00" + string(meta)
	if j.plan != nil && !j.plan.ownTo {
		k += "\x00" + r.addr
	}
	return k
}

// build writes the message of v.
func (j *job) build(v *variant, hostname string, now time.Time) ([]byte, error) {
	msgID := v.id.String() + "@" + hostname
	if j.raw != nil {
		return j.raw.assemble(msgID, now), nil
	}
	m := &mime.Message{From: j.plan.from, ReplyTo: j.plan.replyTo, Subject: v.r.subject, Date: now,
		Headers: j.plan.headers, Text: v.r.text, HTML: v.r.html, Parts: j.plan.parts}
	if !j.plan.ownMsgID {
		m.MessageID = msgID
	}
	if !j.plan.ownTo {
		for _, r := range v.rcpts {
			m.To = append(m.To, mime.Address{Name: r.name, Addr: r.addr})
		}
	}
	return mime.Build(m)
}

// assemble writes a raw message with the Date and Message-ID fields it
// lacks added at the end of its header (intake.AppendMissingFields, as
// SMTP reception adds them for submission clients).
func (m *rawMessage) assemble(msgID string, now time.Time) []byte {
	b := make([]byte, 0, len(m.header)+len(m.body)+128)
	b = append(b, m.header...)
	b = intake.AppendMissingFields(b, intake.Header{Date: m.hasDate, MessageID: m.hasMsgID}, msgID, now)
	return append(b, m.body...)
}

// headerBlock returns the header of msg without the empty line, as
// on_message sees it.
func headerBlock(msg []byte) []byte {
	if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 {
		return msg[:i+2]
	}
	return msg
}
