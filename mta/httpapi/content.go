package httpapi

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/wasmta/wasmta/mta/intake"
	"github.com/wasmta/wasmta/mta/mime"
)

// plan is checked structured content, ready to be rendered per recipient.
type plan struct {
	from     mime.Address
	replyTo  []mime.Address
	headers  []mime.Field // sorted by name, the campaign field taken out
	campaign string       // from the campaign header field
	ownTo    bool         // headers set To: it is not generated per message
	ownMsgID bool         // headers set Message-ID

	subject, text, html *template
	parts               []*mime.Part
}

// forbidden are header fields a request may not set: wasmta writes them,
// or they would defeat the envelope.
var forbidden = []string{"Received", "DKIM-Signature", "Return-Path", "Bcc"}

// checkContent checks c and prepares its templates and parts.
func checkContent(c *Content, campaignHeader string, p *problems) *plan {
	pl := &plan{}
	if c.From == nil {
		p.add("content.from", "missing (the From: address, \"Name <addr>\" or {\"address\": ...})")
	} else if a, ok := mailbox("content.from", *c.From, p); ok {
		pl.from = a
	}
	for i, m := range c.ReplyTo {
		if a, ok := mailbox(fmt.Sprintf("content.reply_to[%d]", i), m, p); ok {
			pl.replyTo = append(pl.replyTo, a)
		}
	}
	pl.checkHeaders(c.Headers, campaignHeader, p)
	if c.Text == "" && c.HTML == "" && len(c.Attachments) == 0 {
		p.add("content", "needs text, html or attachments")
	}
	if len(c.InlineImages) > 0 && c.HTML == "" {
		p.add("content.inline_images", "need an html body that shows them (src=\"cid:...\")")
	}
	if len(c.Attachments)+len(c.InlineImages) > maxFiles {
		p.add("content.attachments", "%d attachments and inline images, more than %d", len(c.Attachments)+len(c.InlineImages), maxFiles)
		return pl
	}
	pl.checkFiles("content.attachments", c.Attachments, false, p)
	pl.checkFiles("content.inline_images", c.InlineImages, true, p)
	pl.parseTemplates(c, p)
	return pl
}

// mailbox checks an address given as a string or an object.
func mailbox(f string, m Mailbox, p *problems) (mime.Address, bool) {
	if m.text != "" {
		a, err := mail.ParseAddress(m.text)
		if err != nil {
			p.add(f, "%q is not an address (%v)", m.text, err)
			return mime.Address{}, false
		}
		m.Address, m.Name = a.Address, a.Name
	}
	if msg := addressProblem(m.Address); msg != "" {
		p.add(f, "address %s", msg)
		return mime.Address{}, false
	}
	checkDisplayName(f+".name", m.Name, p)
	return mime.Address{Name: m.Name, Addr: m.Address}, true
}

func (pl *plan) checkHeaders(h map[string]string, campaignHeader string, p *problems) {
	if len(h) > maxHeaders {
		p.add("content.headers", "%d fields, more than %d", len(h), maxHeaders)
		return
	}
	for _, name := range sortedKeys(h) {
		f, v := "content.headers."+name, h[name]
		switch {
		case !intake.ValidFieldName(name):
			p.add(f, "not a header field name (printable ASCII without spaces or colon)")
		case mime.Reserved(name):
			p.add(f, "set by wasmta (use content.from, reply_to, subject, text, html)")
		case slices.ContainsFunc(forbidden, func(n string) bool { return strings.EqualFold(n, name) }):
			p.add(f, "may not be set through the API")
		case mime.CheckValue(v) != nil:
			p.add(f, "holds a line break or NUL")
		case strings.EqualFold(name, campaignHeader):
			if msg := campaignProblem(v); msg != "" {
				p.add(f, "%s", msg)
			}
			pl.campaign = v
		default:
			pl.ownTo = pl.ownTo || strings.EqualFold(name, "To")
			pl.ownMsgID = pl.ownMsgID || strings.EqualFold(name, "Message-ID")
			pl.headers = append(pl.headers, mime.Field{Name: name, Value: v})
		}
	}
}

func (pl *plan) checkFiles(f string, files []File, inline bool, p *problems) {
	for i, file := range files {
		fi := fmt.Sprintf("%s[%d]", f, i)
		data, err := base64.StdEncoding.DecodeString(stripSpace(file.Data))
		if err != nil {
			p.add(fi+".data", "not base64: %v", err)
			continue
		}
		switch {
		case inline && file.ContentID == "":
			p.add(fi+".content_id", "missing (the id the HTML refers to as cid:ID)")
			continue
		case !inline && file.ContentID != "":
			p.add(fi+".content_id", "an attachment has no content_id: put inline parts in content.inline_images")
			continue
		}
		part, err := mime.NewPart(mime.Attachment{Filename: file.Filename, ContentType: file.ContentType,
			ContentID: strings.Trim(file.ContentID, "<>"), Data: data})
		if err != nil {
			p.add(fi+"."+fileField(err), "%s", strings.TrimPrefix(err.Error(), "mime: "))
			continue
		}
		pl.parts = append(pl.parts, part)
	}
}

// stripSpace removes the line breaks and spaces base64 text often has.
func stripSpace(s string) string {
	if !strings.ContainsAny(s, " \t\r\n") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
}

func fileField(err error) string {
	switch {
	case errors.Is(err, mime.ErrBadFilename):
		return "filename"
	case errors.Is(err, mime.ErrBadContentID):
		return "content_id"
	}
	return "content_type"
}

func (pl *plan) parseTemplates(c *Content, p *problems) {
	var err error
	if len(c.Subject) > maxSubjectBytes {
		p.add("content.subject", "%d bytes, more than %d", len(c.Subject), maxSubjectBytes)
	}
	if pl.subject, err = parseText("subject", c.Subject); err != nil {
		p.add("content.subject", "%v", templateError(err))
	}
	if pl.text, err = parseText("text", c.Text); err != nil {
		p.add("content.text", "%v", templateError(err))
	}
	if pl.html, err = parseHTML("html", c.HTML); err != nil {
		p.add("content.html", "%v", templateError(err))
	}
}

// rendered is what the templates gave for one recipient (or for all the
// recipients without data of their own).
type rendered struct {
	subject, text, html string
}

// render runs the three templates with data; the error names the field.
func (pl *plan) render(data map[string]any, limit int64) (rendered, string, error) {
	var r rendered
	var err error
	if r.subject, err = pl.subject.render(data, limit); err != nil {
		return r, "subject", err
	}
	if r.text, err = pl.text.render(data, limit); err != nil {
		return r, "text", err
	}
	if r.html, err = pl.html.render(data, limit); err != nil {
		return r, "html", err
	}
	return r, "", nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
