package feedback

import (
	"bytes"
	"regexp"
	"strings"
)

// parseARF reads an RFC 5965 feedback report: the machine-readable part's
// fields, one recipient per Original-Rcpt-To (or Removal-Recipient) address, else per address in the
// quoted original's To (a report that hides the recipient, as many
// feedback loops do, has one recipient with no address).
func parseARF(r *Report, body []byte) {
	r.Kind = KindFeedback
	h, _ := parseHeader(bytes.TrimLeft(body, "\r\n"))
	r.FeedbackType = strings.ToLower(strings.TrimSpace(h.get("feedback-type")))
	r.SourceIP = strings.Trim(strings.TrimSpace(h.get("source-ip")), "[]")
	r.OriginalMailFrom = dsnAddress(h.get("original-mail-from"))
	r.UserAgent = h.get("user-agent")
	r.ReportingMTA = dsnText(h.get("reporting-mta"))
	var rcpts []string
	seen := map[string]bool{}
	for _, f := range h {
		// Original-Rcpt-To, and the Removal-Recipient of ARF's drafts
		// (an opt-out's address); an address given twice is one
		// recipient
		if f.name != "original-rcpt-to" && f.name != "removal-recipient" {
			continue
		}
		if a := dsnAddress(f.value); a != "" && !seen[strings.ToLower(a)] && len(rcpts) < maxRecipients {
			seen[strings.ToLower(a)] = true
			rcpts = append(rcpts, a)
		}
	}
	if len(rcpts) == 0 && r.Original != nil {
		rcpts = r.Original.To
	}
	if len(rcpts) == 0 {
		rcpts = []string{""}
	}
	for _, a := range rcpts {
		r.Recipients = append(r.Recipients, Recipient{Kind: KindFeedback, Address: a})
	}
}

// inlineARF returns the body of a text part that carries RFC 5965's
// report fields without the message/feedback-report type (a feedback loop
// that pastes them into its text), or nil: Feedback-Type and one of the
// other required fields, each at the start of a line.
func (m *msg) inlineARF() []byte {
	for _, e := range m.parts {
		if !strings.HasPrefix(e.ctype, "text/plain") {
			continue
		}
		body := bytes.ReplaceAll(e.body, []byte("\r\n"), []byte("\n"))
		lower := asciiLower(body)
		i := strings.Index(lower, "\nfeedback-type:")
		if !strings.HasPrefix(lower, "feedback-type:") && i < 0 {
			continue
		}
		if !strings.Contains(lower, "\nuser-agent:") && !strings.Contains(lower, "\nversion:") {
			continue
		}
		// From the start of the paragraph holding Feedback-Type.
		start := strings.LastIndex(lower[:max(i+1, 0)], "\n\n")
		return body[start+1:]
	}
	return nil
}

// complaintSubjectRE matches the subjects of the complaint reports that
// some feedback loops send without RFC 5965's report part (Microsoft's
// JMRP, "complaint about message from 192.0.2.1"; abuse-desk "spam
// report"s).
var complaintSubjectRE = regexp.MustCompile(`(?i)\bcomplaint about message\b|\b(?:abuse|spam) (?:complaint|report)\b`)

// isComplaint reports whether a message without a feedback-report part is
// still a complaint: a complaint subject over a quoted original, from a
// sender that is not a mailer daemon.
func (m *msg) isComplaint(o *Original) bool {
	return o != nil && complaintSubjectRE.MatchString(decodeWords(m.top.get("subject"))) &&
		!bounceSenderRE.MatchString(m.top.get("from")) && m.top.get("x-failed-recipients") == ""
}

// isReturnedComplaint reports whether the message is itself the reported
// message, returned by a feedback loop that sends the complained-of mail
// back whole instead of attaching it (Microsoft's JMRP without its
// wrapper, or a wrapper a mail fetcher flattened). A complaint suppresses
// its recipient, so it takes two independent signs, as RFC 5965's shape
// has two (a report part's Feedback-Type, and a recipient named by
// Original-Rcpt-To or the returned message's headers):
//   - the recipient's side: the loop's own field naming the complaining
//     recipient (X-HmXmrOriginalRecipient), which the recipient's
//     provider adds when it delivers a message, sits in the top header;
//   - the sender's side: the envelope sender (the first Return-Path) is
//     at that recipient's provider (its domain, or another consumer
//     domain of the same provider: sameMailboxProvider) and not at the
//     author's, so the message was sent on by the recipient's provider,
//     not by whoever wrote it.
//
// The first alone is any message delivered there and then sent on (a
// forward, a copy that reached the return path some other way); an
// envelope sender that is merely not the author's is any message sent
// through a service provider. Until 2026-12 those two were taken as
// enough, and such a message suppressed the recipient it named; now it
// stays a report of unknown kind (recorded, nothing suppressed).
func (m *msg) isReturnedComplaint() bool {
	rcpt := firstAddress(m.top.get("x-hmxmroriginalrecipient"))
	if rcpt == "" || bounceSenderRE.MatchString(m.top.get("from")) {
		return false
	}
	rp, from := firstAddress(m.top.get("return-path")), firstAddress(m.top.get("from"))
	return rp != "" && from != "" && sameMailboxProvider(domainOf(rp), domainOf(rcpt)) &&
		!sameMailboxProvider(domainOf(rp), domainOf(from))
}

// hmxmrDomains are the first labels of the consumer domains of the
// provider whose field isReturnedComplaint reads (X-HmXmrOriginalRecipient
// is Hotmail's): its reports come from one of them (Microsoft's JMRP
// documents staff@hotmail.com) whichever of them the complaining user's
// address is at, so outlook.com, live.com, msn.com and their country
// forms are one provider here.
var hmxmrDomains = map[string]bool{"hotmail": true, "outlook": true, "live": true, "msn": true, "windowslive": true}

// sameMailboxProvider reports whether two domains are one provider's: the
// same domain, or two of the consumer domains in hmxmrDomains (a first
// label there over a public suffix of at most two labels: live.co.uk, not
// mail.outlook.example.com).
func sameMailboxProvider(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	consumer := func(d string) bool {
		labels := strings.Split(strings.ToLower(d), ".")
		return len(labels) >= 2 && len(labels) <= 3 && hmxmrDomains[labels[0]]
	}
	return consumer(a) && consumer(b)
}

func domainOf(a string) string { return a[strings.LastIndexByte(a, '@')+1:] }

// parseComplaint reads a complaint without a report part: type abuse, one
// recipient, the address the feedback loop names in the quoted original
// (Microsoft's X-HmXmrOriginalRecipient), else the original's To.
func parseComplaint(r *Report, m *msg) {
	r.Kind = KindFeedback
	r.FeedbackType = "abuse"
	o := r.Original
	rcpts := addresses(o.Get("X-HmXmrOriginalRecipient"))
	if len(rcpts) == 0 {
		rcpts = o.To
	}
	if len(rcpts) == 0 {
		rcpts = []string{""}
	}
	for _, a := range rcpts[:1] {
		r.Recipients = append(r.Recipients, Recipient{Kind: KindFeedback, Address: a})
	}
	r.OriginalMailFrom = firstAddress(o.Get("Return-Path"))
}

// isUnsubscribe reports whether the message is a one-click unsubscribe
// request a mail client sends to a list's unsubscribe address in the
// user's name (Apple Mail marks it "X-Apple-Unsubscribe: true").
func (m *msg) isUnsubscribe() bool {
	return strings.EqualFold(strings.TrimSpace(m.top.get("x-apple-unsubscribe")), "true")
}

// parseUnsubscribe records the request as feedback of type opt-out from
// its sender.
func parseUnsubscribe(r *Report, m *msg) {
	r.Kind = KindFeedback
	r.FeedbackType = "opt-out"
	r.Recipients = []Recipient{{Kind: KindFeedback, Address: firstAddress(m.top.get("from"))}}
}
