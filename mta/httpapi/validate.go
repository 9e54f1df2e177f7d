package httpapi

import (
	"fmt"
	"strings"
)

// FieldError is one problem of a request, naming its field as a JSON path
// ("recipients[2].address", "content.attachments[0].data").
type FieldError struct {
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

type problems []FieldError

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

// Limits on what a request may carry besides the tenant's limits: they keep
// records, queue names and template data small.
const (
	maxCampaign     = 128
	maxMetaKeys     = 64
	maxMetaKey      = 128
	maxMetaValue    = 1024
	maxArrayLen     = 1000
	maxDisplayName  = 256
	maxHeaders      = 100
	maxFiles        = 100
	maxSubjectBytes = 998
)

// rcpt is a checked recipient.
type rcpt struct {
	index int // in the request
	addr  string
	name  string
	subs  map[string]any
	meta  map[string]string
}

// own reports whether the recipient has data of its own, which gives it a
// message of its own.
func (r *rcpt) own() bool { return len(r.subs) > 0 || len(r.meta) > 0 }

// checkEnvelope checks sender, recipients, campaign and metadata.
func checkEnvelope(req *Request, maxRcpts int, p *problems) []rcpt {
	if msg := addressProblem(req.Sender); msg != "" {
		p.add("sender", "%s (want the envelope sender, local@domain)", msg)
	}
	if len(req.Recipients) == 0 {
		p.add("recipients", "missing or empty (want at least one {\"address\": ...})")
	}
	if len(req.Recipients) > maxRcpts {
		p.add("recipients", "%d recipients, more than the limit of %d per request", len(req.Recipients), maxRcpts)
		return nil
	}
	checkCampaign(req.Campaign, p)
	checkMeta("metadata", req.Metadata, p)
	checkSubstitutions("substitutions", req.Substitutions, p)
	seen := make(map[string]int, len(req.Recipients))
	out := make([]rcpt, 0, len(req.Recipients))
	for i, r := range req.Recipients {
		f := fmt.Sprintf("recipients[%d]", i)
		if msg := addressProblem(r.Address); msg != "" {
			p.add(f+".address", "%s", msg)
		} else if j, dup := seen[strings.ToLower(r.Address)]; dup {
			p.add(f+".address", "%s is already recipients[%d]", r.Address, j)
		}
		seen[strings.ToLower(r.Address)] = i
		checkDisplayName(f+".name", r.Name, p)
		checkMeta(f+".metadata", r.Metadata, p)
		checkSubstitutions(f+".substitutions", r.Substitutions, p)
		out = append(out, rcpt{index: i, addr: r.Address, name: r.Name, subs: r.Substitutions, meta: r.Metadata})
	}
	return out
}

// checkCampaign: the campaign becomes part of queue names, so it is plain
// printable ASCII, as from the X-Campaign header over SMTP.
func checkCampaign(c string, p *problems) {
	if c == "" {
		return
	}
	if msg := campaignProblem(c); msg != "" {
		p.add("campaign", "%s", msg)
	}
}

func campaignProblem(c string) string {
	if len(c) > maxCampaign {
		return fmt.Sprintf("%d characters, more than %d", len(c), maxCampaign)
	}
	for i := 0; i < len(c); i++ {
		if c[i] < ' ' || c[i] >= 0x7f {
			return fmt.Sprintf("%q: only printable ASCII characters", c)
		}
	}
	if strings.TrimSpace(c) != c {
		return fmt.Sprintf("%q has white space around it", c)
	}
	return ""
}

func checkDisplayName(f, n string, p *problems) {
	switch {
	case len(n) > maxDisplayName:
		p.add(f, "%d bytes, more than %d", len(n), maxDisplayName)
	case strings.ContainsAny(n, "\r\n\x00"):
		p.add(f, "holds a line break or NUL")
	}
}

func checkMeta(f string, m map[string]string, p *problems) {
	if len(m) > maxMetaKeys {
		p.add(f, "%d keys, more than %d", len(m), maxMetaKeys)
		return
	}
	for k, v := range m {
		switch {
		case k == "" || len(k) > maxMetaKey:
			p.add(f, "key %.40q: want 1 to %d characters", k, maxMetaKey)
		case len(v) > maxMetaValue:
			p.add(f+"."+k, "%d bytes, more than %d", len(v), maxMetaValue)
		}
	}
}

// checkSubstitutions bounds the arrays a template may range over, so that
// nested ranges stay cheap (see template.go).
func checkSubstitutions(f string, m map[string]any, p *problems) {
	for k, v := range m {
		checkValue(f+"."+k, v, p)
	}
}

func checkValue(f string, v any, p *problems) {
	switch x := v.(type) {
	case []any:
		if len(x) > maxArrayLen {
			p.add(f, "array of %d elements, more than %d", len(x), maxArrayLen)
			return
		}
		for i, e := range x {
			checkValue(fmt.Sprintf("%s[%d]", f, i), e, p)
		}
	case map[string]any:
		for k, e := range x {
			checkValue(f+"."+k, e, p)
		}
	}
}

// checkForm: exactly one of raw and content; substitutions only with
// content.
func checkForm(req *Request, p *problems) {
	switch {
	case req.Raw == nil && req.Content == nil:
		p.add("content", "missing: give content (structured) or raw (an RFC 5322 message)")
	case req.Raw != nil && req.Content != nil:
		p.add("raw", "give raw or content, not both")
	case req.Raw != nil:
		if len(req.Substitutions) > 0 {
			p.add("substitutions", "templating applies to content, not to raw messages")
		}
		for i, r := range req.Recipients {
			if len(r.Substitutions) > 0 {
				p.add(fmt.Sprintf("recipients[%d].substitutions", i), "templating applies to content, not to raw messages")
			}
		}
	}
}
