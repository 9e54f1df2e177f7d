package feedback

import (
	"bytes"
	"strconv"
	"strings"
)

// inlineDSN returns the body of a text part that carries RFC 3464 fields
// without the message/delivery-status type (some MTAs paste them into the
// notice), or nil.
func (m *msg) inlineDSN() []byte {
	for _, e := range m.parts {
		if !strings.HasPrefix(e.ctype, "text/plain") {
			continue
		}
		lower := asciiLower(e.body)
		if i := strings.Index(lower, "\nfinal-recipient:"); i >= 0 && strings.Contains(lower, "\nstatus:") {
			// From the start of the paragraph holding the first field.
			start := strings.LastIndex(lower[:i], "\n\n")
			return e.body[start+1:]
		}
	}
	return nil
}

// parseDSN reads a message/delivery-status body: one block of per-message
// fields, then a block per recipient. Senders that forget the blank lines
// are read too: a new Final-Recipient (or an Original-Recipient after one)
// starts a new recipient.
func parseDSN(r *Report, m *msg, body []byte) {
	var cur *Recipient
	var rcpts []*Recipient
	internal := map[*Recipient]bool{} // its Final-Recipient is no Internet address
	start := func() {
		cur = &Recipient{}
		rcpts = append(rcpts, cur)
	}
	for _, block := range dsnBlocks(body) {
		cur = nil
		for _, f := range block {
			switch f.name {
			case "reporting-mta":
				r.ReportingMTA = dsnText(f.value)
				continue
			case "original-recipient":
				if cur == nil || cur.Original != "" {
					start()
				}
				cur.Original = dsnAddress(f.value)
				continue
			case "final-recipient":
				if cur == nil || cur.Address != "" {
					start()
				}
				cur.Address = dsnAddress(f.value)
				internal[cur] = !internetAddress(f.value)
				continue
			}
			if !recipientFields[f.name] {
				continue
			}
			if cur == nil {
				start() // a recipient whose fields come before its address
			}
			setRecipientField(cur, f)
		}
	}
	rcpts = mergeRepeated(rcpts)
	// How many recipients each Original-Recipient stands for: more than
	// one when an alias or list expanded into several final addresses.
	expanded := map[string]int{}
	for _, rc := range rcpts {
		if rc.Original != "" {
			expanded[strings.ToLower(rc.Original)]++
		}
	}
	for _, rc := range rcpts {
		if rc.Original == "" || strings.EqualFold(rc.Original, rc.Address) || !internetAddress(rc.Original) {
			continue
		}
		// RFC 3464 2.3.1: the Original-Recipient is "the original
		// recipient address as specified by the sender", the address on
		// the sender's list; the Final-Recipient is where the reporting
		// MTA took it (an internal name for the mailbox, "LOCAL;<f.b>",
		// "f.b@sims-ms-daemon"; a forwarding or an alias's target). The
		// report names the sender's address, the final one beside it;
		// when one original expanded into several final addresses, each
		// final address is a recipient of its own.
		if internal[rc] || expanded[strings.ToLower(rc.Original)] == 1 {
			if !internal[rc] {
				rc.Final = rc.Address
			}
			rc.Address = rc.Original
		}
	}
	if len(rcpts) > maxRecipients {
		rcpts = rcpts[:maxRecipients]
	}
	// How many recipients name each address (final or original): the
	// others of a recipient are the addresses another one names.
	named := map[string]int{}
	for _, rc := range rcpts {
		for _, a := range distinctFold(rc.Address, rc.Original, rc.Final) {
			named[strings.ToLower(a)]++
		}
	}
	for _, rc := range rcpts {
		finishDSNRecipient(rc, m, named)
		r.Recipients = append(r.Recipients, *rc)
	}
	r.Kind = KindBounce
}

// mergeRepeated merges a recipient into the one before it when both name
// the same final address: some MTAs report one address in two blocks in a
// row (one per attempt, or its original and final forms); it is one
// recipient, the second block filling what the first left empty.
func mergeRepeated(rcpts []*Recipient) []*Recipient {
	out := rcpts[:0]
	for _, rc := range rcpts {
		if n := len(out); n > 0 && rc.Address != "" && strings.EqualFold(out[n-1].Address, rc.Address) {
			p := out[n-1]
			p.Original = firstNonEmpty(p.Original, rc.Original)
			p.Action = firstNonEmpty(p.Action, rc.Action)
			p.Status = firstNonEmpty(p.Status, rc.Status)
			if p.DiagnosticType == "" && rc.DiagnosticType != "" || p.Diagnostic == "" {
				p.Diagnostic, p.DiagnosticType = firstNonEmpty(rc.Diagnostic, p.Diagnostic), firstNonEmpty(rc.DiagnosticType, p.DiagnosticType)
			}
			p.RemoteMTA = firstNonEmpty(p.RemoteMTA, rc.RemoteMTA)
			continue
		}
		out = append(out, rc)
	}
	return out
}

// maxRecipients bounds the recipients read from one report.
const maxRecipients = 1000

// dsnBlocks splits a delivery-status body into its blank-line separated
// groups of fields.
func dsnBlocks(body []byte) []header {
	var blocks []header
	rest := body
	for len(bytes.TrimSpace(rest)) > 0 { // bytes, not a copy of the rest per block
		trimmed := bytes.TrimLeft(rest, "\r\n")
		h, next := parseHeader(trimmed)
		if len(h) > 0 {
			blocks = append(blocks, h)
		}
		if len(next) >= len(trimmed) {
			break
		}
		rest = next
	}
	return blocks
}

// recipientFields are the per-recipient fields parseDSN reads besides
// the addresses.
var recipientFields = map[string]bool{"action": true, "status": true, "diagnostic-code": true,
	"remote-mta": true, "x-actual-recipient": true}

func setRecipientField(rc *Recipient, f field) {
	switch f.name {
	case "action":
		rc.Action = strings.ToLower(strings.Fields(f.value + " x")[0])
	case "status":
		rc.Status = findStatus(f.value)
		if rc.Diagnostic == "" {
			// "4.0.0 (host name lookup failure)": the comment is the only
			// reason some MTAs give; a Diagnostic-Code replaces it.
			comment := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(f.value), rc.Status))
			rc.Diagnostic = oneLine(strings.Trim(comment, "()"))
		}
	case "diagnostic-code":
		typ, text, ok := strings.Cut(f.value, ";")
		if ok && !strings.ContainsAny(strings.TrimSpace(typ), " \t") {
			rc.DiagnosticType = strings.ToLower(strings.TrimSpace(typ))
			rc.Diagnostic = oneLine(text)
		} else {
			rc.Diagnostic = oneLine(f.value)
		}
	case "remote-mta":
		rc.RemoteMTA = dsnText(f.value)
	case "x-actual-recipient":
		if rc.Address == "" {
			rc.Address = dsnAddress(f.value)
		}
	}
}

// finishDSNRecipient fills what the fields left out: the address from the
// original recipient, the code and a more specific status from the
// diagnostic, a diagnostic from the notice text, and the kind.
func finishDSNRecipient(rc *Recipient, m *msg, named map[string]int) {
	self := []string{rc.Address, rc.Original, rc.Final}
	// An address another recipient names: named by more recipients than
	// this one (which names it at most once).
	other := func(a string) bool {
		n := named[strings.ToLower(a)]
		if containsFold(self, a) {
			n--
		}
		return n > 0
	}
	if rc.Address == "" {
		rc.Address = rc.Original
	}
	self[0] = rc.Address
	// An "expired" action (some MTAs write it for a failure after the
	// queue lifetime), or the notice saying so, is evidence of why.
	expired := rc.Action == "expired"
	if rc.Diagnostic == "" {
		rc.Diagnostic = noticeDiagnostic(m, self, other)
	} else {
		rc.Diagnostic = wholeReply(rc.Diagnostic, m)
		if d := noticeDiagnostic(m, self, other); betterInNotice(rc.Diagnostic, d) {
			rc.Diagnostic = d
		}
	}
	finishRecipient(rc)
	if rc.Kind == KindBounce {
		rc.Stage = firstNonEmpty(stageIn(rc.Diagnostic), m.noticeStage(self), m.noticeTranscriptStage())
		expired = expired || saysExpired(rc.Diagnostic) || m.noticeExpired()
		rc.Status = expiredStatus(rc.Status, rc.Code, expired)
	}
}

// betterInNotice reports whether the notice's reason for a recipient
// says more than its Diagnostic-Code: the field is a bare number (a
// delivery agent's exit status, "X-Unix; 67") while the notice names a
// cause or quotes a reply,
// or the field is a generic reply (no enhanced code, or X.0.0 — Sendmail's
// "554 5.0.0 Service unavailable") while the notice quotes a reply with a
// specific enhanced code of the same class.
func betterInNotice(field, notice string) bool {
	if notice == "" || notice == field {
		return false
	}
	if !wordRE.MatchString(field) {
		return hasCodeOrStatus([]string{notice}) || causeWordRE.MatchString(withoutAddresses(notice))
	}
	fs, ns := findStatus(field), findStatus(notice)
	return (fs == "" || strings.HasSuffix(fs, ".0.0")) && ns != "" && !strings.HasSuffix(ns, ".0.0") &&
		findCode(notice) != 0 && (fs == "" || fs[0] == ns[0]) && (findCode(field) == 0 || findCode(field)/100 == findCode(notice)/100)
}

// wholeReply returns the multi-line reply whose first line is diag when
// the notice quotes it whole: Sendmail's Diagnostic-Code keeps the first
// line of "550-5.7.1 ... / 550-5.7.1 ... / 550 5.7.1 ..." only, and the
// words that say why often come on the later ones.
func wholeReply(diag string, m *msg) string {
	if !continuedRE.MatchString(diag) {
		return diag
	}
	lines := noticeOf(m).lines
	for i, l := range lines {
		if oneLine(strings.TrimLeft(l, " \t<>")) != diag {
			continue
		}
		end := i + 1
		for end < len(lines) && continues(lines[end-1], lines[end]) {
			end++
		}
		if end == i+1 {
			return diag
		}
		parts := make([]string, 0, end-i)
		for _, l := range lines[i:end] {
			parts = append(parts, strings.TrimLeft(l, " \t<>"))
		}
		return oneLine(strings.Join(parts, " "))
	}
	return diag
}

// finishRecipient fills the code and a more specific status from the
// diagnostic, a status from the action when there is none, and the kind.
func finishRecipient(rc *Recipient) {
	rc.Code = findCode(rc.Diagnostic)
	rc.Status = betterStatus(rc.Status, tellingStatus(rc.Diagnostic), rc.Code)
	if own := replyStatus(rc.Diagnostic, rc.Code); own != "" && rc.Status != "" && own[0] == rc.Status[0] && !strings.HasSuffix(own, ".0") {
		// the remote server's own enhanced code, in the reply the
		// diagnostic quotes, says why it refused; a Status field that
		// disagrees is the reporting MTA's reading of that reply
		// ("Status: 5.1.1" over "550 5.7.1 IP address blacklisted")
		rc.Status = own
	}
	rc.Action = normalAction(rc.Action)
	if rc.Status == "" {
		rc.Status = actionStatus[rc.Action]
	}
	switch rc.Action {
	case "delivered", "relayed", "expanded":
		rc.Kind = KindDelivered
	case "failed", "delayed":
		rc.Kind = KindBounce
	default:
		rc.Kind = KindBounce
		if strings.HasPrefix(rc.Status, "2.") {
			rc.Kind = KindDelivered
		}
	}
	if rc.Kind == KindDelivered && rc.Diagnostic == "" && rc.Status != "" {
		rc.Diagnostic = rc.Status
	}
}

// replyStatus returns the enhanced code that follows the reply code in a
// quoted reply ("550 5.7.1 ...", "550-5.7.1 ..."), or "".
func replyStatus(diag string, code int) string {
	if code == 0 {
		return ""
	}
	c := strconv.Itoa(code)
	for _, sep := range []string{" ", "-"} {
		if i := strings.Index(diag, c+sep); i >= 0 {
			if st := findStatus(diag[i+4:]); st != "" && strings.HasPrefix(diag[i+4:], st) {
				return st
			}
		}
	}
	return ""
}

// normalAction maps the actions some MTAs write outside RFC 3464 to its
// own: "expired" (a failure after the queue lifetime) is "failed",
// "deliverable" (an address verification's answer) is "delivered".
func normalAction(a string) string {
	switch a {
	case "expired", "failure", "bounced", "undeliverable":
		return "failed"
	case "deliverable", "success":
		return "delivered"
	}
	return a
}

// actionStatus is the status of a recipient whose report gives none:
// RFC 3463's unspecific code of the action's class.
var actionStatus = map[string]string{"failed": "5.0.0", "delayed": "4.0.0"}

// dsnText reads a "type; text" field, dropping the type.
func dsnText(v string) string {
	if _, after, ok := strings.Cut(v, ";"); ok {
		return strings.TrimSpace(after)
	}
	return strings.TrimSpace(v)
}

// oneLine collapses runs of white space into one space, and caps the
// length: a diagnostic goes into records and JSON lines.
func oneLine(s string) string {
	// A header's raw 8-bit text (an auto-reply's subject in Latin-1) is
	// no UTF-8: the text given to classify and printed must be.
	s = strings.ToValidUTF8(strings.Join(strings.Fields(s), " "), "\uFFFD")
	if len(s) > 600 {
		s = s[:600]
		for len(s) > 0 && s[len(s)-1]&0xC0 == 0x80 { // do not cut a rune
			s = s[:len(s)-1]
		}
		if len(s) > 0 && s[len(s)-1] >= 0xC0 {
			s = s[:len(s)-1]
		}
	}
	return s
}

// distinctFold returns the non-empty values, each once (case-insensitively).
func distinctFold(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if v != "" && !containsFold(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// internetAddress reports whether a DSN address field (RFC 3464's
// "address-type ; address", or a bare address) holds an Internet mail
// address: of type rfc822 or utf-8 (RFC 6533), a local part and a domain
// with a dot or an address literal, no source route. An X.400 or LOCAL
// address, a mailbox at a bare host name ("user@sims-ms-daemon", a
// message store's name) or "@relay:user@host" is an MTA's internal name.
func internetAddress(v string) bool {
	if typ, _, ok := strings.Cut(v, ";"); ok {
		switch strings.ToLower(strings.TrimSpace(typ)) {
		case "rfc822", "utf-8":
		default:
			return false
		}
	}
	a := dsnAddress(v)
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || strings.HasPrefix(a, "@") {
		return false
	}
	dom := a[at+1:]
	if strings.HasPrefix(dom, "[") && strings.HasSuffix(dom, "]") {
		return true
	}
	return strings.Contains(strings.Trim(dom, "."), ".") && !strings.ContainsAny(dom, ":[]")
}
