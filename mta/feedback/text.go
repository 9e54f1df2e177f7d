package feedback

import (
	"regexp"
	"slices"
	"strings"
)

// A non-standard bounce names each failed address at the start of a line
// (bare, in angle brackets, after a display name or "mailto:") and puts
// the reason next to it: after it (qmail, Exim, Postfix, Sendmail,
// Courier, Exchange, Gmail, Yahoo, Domino) or, more rarely, before it
// (Lotus Notes). parseText finds those lines and reads the paragraphs
// around each.

// textBlock is what the notice says about one address.
type textBlock struct {
	addr  string
	lines []string
	stage string // the SMTP stage the notice says its reply answered (stageNear)
	// commentary is the notice's commentary on what happens next that
	// followed the address (followingLines): the diagnostic only when the
	// notice states nothing else.
	commentary []string
}

// parseText reads a bounce that has no machine-readable part.
func parseText(r *Report, m *msg) {
	n := noticeOf(m)
	if r.Original == nil {
		r.Original = n.originalFromRest()
	}
	skip := ownAddresses(m, r.Original)
	blocks := listBlocks(n.lines, skip)
	for _, b := range addressBlocks(n.lines, skip) {
		if !hasBlock(blocks, b.addr) {
			blocks = append(blocks, b)
		}
	}
	bounce := m.looksLikeBounce()
	if len(blocks) == 0 && bounce {
		// a bounce of a message its sender sent to itself, or one whose
		// trace fields name the failed address: read again with only the
		// senders skipped, keeping the blocks that state a failure
		for _, b := range addressBlocks(n.lines, senderAddresses(m, r.Original)) {
			if statesFailure(b.lines) {
				blocks = append(blocks, b)
			}
		}
	}
	for _, v := range m.top.all("x-failed-recipients") {
		for _, a := range addresses(v) {
			if !hasBlock(blocks, a) {
				blocks = append(blocks, textBlock{addr: a})
			}
		}
	}
	if m.isListNotice() && len(blocks) > 1 {
		// a list server refuses one post: the first address it names;
		// the others are where to write for help ("send mail with the
		// body 'help' to the address <list-ctl@...>")
		blocks = blocks[:1]
	}
	if len(blocks) == 0 && bounce && r.Original != nil {
		for _, a := range r.Original.To {
			blocks = append(blocks, textBlock{addr: a})
		}
	}
	action := noticeAction(n.lines)
	expired := m.noticeExpired()
	refusal := groupRefusal(m, n.lines)
	inB := inBlocks(blocks)
	for _, b := range blocks {
		rc := textRecipient(b, func() string { return m.bestParagraphOf(m.notAbout([]string{b.addr}, inB)) }, action)
		rc.Status = expiredStatus(rc.Status, rc.Code, expired || saysExpired(rc.Diagnostic))
		if refusal != "" && rc.Code == 0 && (strings.HasSuffix(rc.Status, ".0.0") || rc.Status == "") {
			// the group refused the post: RFC 3463's X.7.1, delivery not
			// authorized; its reasons as the diagnostic when the notice's
			// words were none we read
			rc.Status = "5.7.1"
			if rc.Diagnostic == "" {
				rc.Diagnostic = refusal
			}
		}
		if rc.Stage == "" {
			rc.Stage = m.noticeTranscriptStage()
		}
		if !bounce && rc.Code == 0 && findStatus(strings.Join(b.lines, "\n")) == "" && !returnedTo(n.lines, b.addr, r.Original) {
			continue // an address in a message that says nothing of a failure
		}
		r.Recipients = append(r.Recipients, rc)
	}
}

// groupRefusal returns the list of reasons of a Google Groups notice
// refusing a post (Google's mailer daemon, X-Failed-Recipients naming the
// group, "Google Groups" in its signature, and a bulleted list of why a
// post may be refused: the group may not exist, or the sender may not be
// allowed to post), in whatever language the notice is written, or "".
func groupRefusal(m *msg, lines []string) string {
	if m.top.get("x-failed-recipients") == "" || !strings.Contains(strings.ToLower(m.top.get("from")), "@googlemail.com") {
		return ""
	}
	var bullets []string
	signed := false
	for _, l := range lines {
		t := strings.TrimSpace(l)
		signed = signed || strings.Contains(t, "Google Groups")
		if strings.HasPrefix(t, "* ") || strings.HasPrefix(t, "• ") {
			bullets = append(bullets, strings.TrimSpace(t[strings.IndexByte(t, ' '):]))
		}
	}
	if !signed || len(bullets) < 3 {
		return ""
	}
	return oneLine(strings.Join(bullets, " "))
}

func textRecipient(b textBlock, best func() string, action string) Recipient {
	diag := reasonFor(b.lines, best)
	if diag == "" {
		// the notice states no reason: its commentary is all it says
		diag = blockDiagnostic(b.commentary)
	}
	rc := Recipient{Kind: KindBounce, Address: b.addr, Action: action, Diagnostic: diag, Stage: firstNonEmpty(stageIn(diag), b.stage)}
	rc.Code = findCode(diag)
	rc.Status = betterStatus("", firstNonEmpty(tellingStatus(diag), tellingStatus(strings.Join(withoutHeaderFields(b.lines), "\n"))), rc.Code)
	if rc.Status == "" {
		rc.Status = "5.0.0"
		if action == "delayed" {
			rc.Status = "4.0.0"
		}
	}
	return rc
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func hasBlock(blocks []textBlock, a string) bool {
	for _, b := range blocks {
		if strings.EqualFold(b.addr, a) {
			return true
		}
	}
	return false
}

// returnedTo reports whether the notice says the delivery to addr failed
// ("Could not be delivered to: <a@b>") and the original it returns was
// addressed to addr: a failure notice, whoever sends it.
func returnedTo(lines []string, addr string, o *Original) bool {
	if o == nil || !slices.ContainsFunc(o.To, func(a string) bool { return strings.EqualFold(a, addr) }) {
		return false
	}
	for _, l := range lines {
		if leadStatesFailure(l) && strings.Contains(strings.ToLower(l), strings.ToLower(addr)) {
			return true
		}
	}
	return false
}

// senderAddresses are the addresses of a bounce's own sender and of the
// original's: never a failed recipient, even of a message sent to itself.
func senderAddresses(m *msg, o *Original) map[string]bool {
	skip := map[string]bool{}
	for _, f := range []string{"from", "return-path", "sender", "reply-to"} {
		for _, a := range addresses(m.top.get(f)) {
			skip[strings.ToLower(a)] = true
		}
		if o != nil {
			for _, a := range addresses(o.Get(f)) {
				skip[strings.ToLower(a)] = true
			}
		}
	}
	return skip
}

// ownAddresses are the addresses a bounce names that are not failed
// recipients: its own sender and recipient (the original's sender) and
// the original's sender fields.
func ownAddresses(m *msg, o *Original) map[string]bool {
	skip := map[string]bool{}
	for _, f := range []string{"from", "to", "cc", "return-path", "sender", "reply-to", "delivered-to", "x-original-to", "envelope-to"} {
		for _, a := range addresses(m.top.get(f)) {
			skip[strings.ToLower(a)] = true
		}
	}
	if o != nil {
		for _, f := range []string{"from", "return-path", "sender", "reply-to"} {
			for _, a := range addresses(o.Get(f)) {
				skip[strings.ToLower(a)] = true
			}
		}
	}
	return skip
}

// leadRE is what may stand before a reported address on its line: white
// space, quotes, a display name, "<", "mailto:", an address type (RFC
// 3464's "rfc822;", Exchange's and MailEnable's "[SMTP:a@b]"), a reply
// code and status.
var leadRE = regexp.MustCompile(`^[\s"'<>(\[*•·-]*(?:[\pL\pN ._'"-]{0,40}?[\s<"]*)?(?i:mailto:|\[?smtp:|rfc822;\s*)?$`)

// labelLeadRE matches a lead that labels the address as the recipient
// ("Address: <a@b>", "[Status: Error, Recipient: a@b", an envelope's
// "RCPT TO: a@b" in a list of details, "the address to which your message
// was addressed, a@b,"); failureLeadRE one that says the
// delivery to it failed ("There was an error delivering your mail to
// <a@b>", "Delivery failed 20 attempts: a@b", "rejected recipient <a@b>",
// "Unknown user: a@b");
// commandLeadRE an SMTP command's echo ("after RCPT TO:<a@b>", ">>> RCPT
// To:<a@b>"): that address is in a transcript, not reported.
var (
	labelLeadRE   = regexp.MustCompile(`(?i)(?:\b(?:recipient|address|addressee|mailbox)(?:\s+address)?\s*[:=]\s*[<"']?(?:\[?smtp:)?|^\s*rcpt to:\s+|\byour (?:e-?mail |mail )?(?:message )?(?:sent )?to:?\s*[<"']?|\b(?:message|mail) (?:was )?addressed(?: to)?\s*[,:]?\s*[<"']?|` + otherLabels + `)$`)
	failureLeadRE = regexp.MustCompile(`(?i)\b(?:deliver\w*|undeliverable|unknown|fail\w*|errors?|reject\w*|bounced|unable|could ?n[o']t|refused)\b.*(?:\bto|\bfor|\brecipients?|:)\s*[<"']?$|\bnot (?:a )?member of (?:this |the )?(?:mailing )?list\s*[<"']?$`)
	commandLeadRE = regexp.MustCompile(`(?i)(?:rcpt to|mail from)\s*:\s*<$`)
	// deliveredToLeadRE matches a header field of a pasted message that
	// says where that copy was delivered ("Delivered-To: a@b",
	// "X-Original-To:", "Envelope-To:"): the address of whoever received
	// the pasted message (a bounce forwarded inline, the returned
	// original), never a failed recipient; its "Delivered" is no failure
	// word.
	deliveredToLeadRE = regexp.MustCompile(`(?i)^\s*(?:x-)?(?:delivered|original|envelope|apparently)-to\s*:\s*[<"']?$`)
	// senderLeadRE matches a label naming the sender ("Sender Address:
	// a@b", "Original Sender: <a@b>").
	senderLeadRE = regexp.MustCompile(`(?i)\b(?:sender|from|originator|reply-to|return-path)(?:\s+address)?\s*[:=]\s*[<"']?$`)
	// contactLeadRE matches a lead that gives the address for help ("If
	// you think this error is wrong, contact: postmaster@...", "For help
	// with this error please write to: ...", "For questions ..., send an
	// e-mail to <...>"): failure words come before it, but it names no
	// failed recipient. Not the words of writing alone: "unable to
	// deliver your e-mail to <a@b>" does.
	contactLeadRE = regexp.MustCompile(`(?i)\b(?:contact\w*|questions?|help|assistance)\b`)
)

// otherLabels are the recipient's and the address's label in the
// languages bounces are written in beside English (German, French,
// Spanish, Portuguese, Italian, Dutch, the Nordic languages, Polish,
// Czech, Hungarian, Turkish, Russian, Japanese, Chinese, Korean), as a
// notice puts it before a failed address ("Empfänger: a@b", "宛先：a@b").
// Go's \b knows only ASCII word characters, hence the line start or a
// space before the word.
const otherLabels = `(?:^|[\s*•·-])(?:empfänger|adresse|destinataire|destinatario|destinatário|dirección|direccion|endereço|indirizzo|ontvanger|adres|mottagare|modtager|mottaker|vastaanottaja|odbiorca|adresat|příjemce|adresa|címzett|alıcı|получатель|адресат|адрес|宛先|受信者|送信先|收件人|收件者|收信人|수신자|받는 사람)\s*[:：=]\s*[<"'「]?`

// lineAddress returns the address a line reports, or "".
func lineAddress(l string, skip map[string]bool) string {
	loc := addrRE.FindStringIndex(l)
	if loc == nil {
		return ""
	}
	lead := l[:loc[0]]
	if !(leadRE.MatchString(lead) || len(lead) <= 120 && !commandLeadRE.MatchString(lead) && !senderLeadRE.MatchString(lead) && !contactLeadRE.MatchString(lead) && !deliveredToLeadRE.MatchString(lead) &&
		(labelLeadRE.MatchString(lead) || failureLeadRE.MatchString(lead))) || leadWord(lead) {
		return ""
	}
	a := cleanAddress(l[loc[0]:loc[1]])
	if a == "" || skip[strings.ToLower(a)] {
		return ""
	}
	return a
}

// leadStatesFailure reports whether the words before line l's address
// say the delivery to it failed (failureLeadRE), rather than merely lead
// to it (leadRE): then they are its reason.
func leadStatesFailure(l string) bool {
	loc := addrRE.FindStringIndex(l)
	if loc == nil {
		return false
	}
	lead := l[:loc[0]]
	return !leadRE.MatchString(lead) && failureLeadRE.MatchString(lead)
}

// statesFailure reports whether lines give a reply, a status, a cause or
// at least a failure's words.
func statesFailure(lines []string) bool {
	if hasCodeOrStatus(lines) {
		return true
	}
	t := withoutAddresses(strings.Join(lines, " "))
	return causeWordRE.MatchString(t) || failureWordRE.MatchString(t)
}

// leadWord reports whether the words before an address make it a sender,
// a host or an address to write to for help, not a recipient ("from a@b",
// "by a@b", "please contact a@b").
func leadWord(lead string) bool {
	f := strings.Fields(strings.ToLower(strings.Trim(lead, " <\"'(")))
	if len(f) == 0 {
		return false
	}
	switch f[len(f)-1] {
	case "from", "by", "sender", "envelope-from", "sent", "return-path", "contact":
		return true
	}
	return false
}

// addressBlocks returns, per reported address, the lines that follow it,
// merged when an address is named more than once (Exchange names it in
// the text for users and again in the diagnostics for administrators).
func addressBlocks(lines []string, skip map[string]bool) []textBlock {
	var blocks []textBlock
	index := map[string]int{}
	for i := 0; i < len(lines); i++ {
		a := lineAddress(lines[i], skip)
		if a == "" {
			continue
		}
		body, commentary := followingLines(lines, i, skip)
		more := listedAfter(lines[i], skip)
		if len(more) > 0 {
			body[0] = "" // the rest of the line lists more addresses: no reason
		}
		stage := stageNear(lines, i, body)
		if len(substantive(body[:1])) == 0 && len(substantive(body)) > 0 && leadStatesFailure(lines[i]) && !statesFailure(body) {
			// "You are not a member of this mailing list <a@b>." and a
			// paragraph of help: the reason is the words before the address
			body = append([]string{lines[i]}, body[1:]...)
		}
		if len(substantive(body)) == 0 {
			body = precedingParagraph(lines, i)
			if namesAnother(body, a, skip) {
				body = nil // that address's reason, not this one's
			}
			if len(substantive(body)) == 0 && wordRE.MatchString(withoutAddresses(lines[i])) {
				body = []string{lines[i]} // "Delivery to the following recipients failed: a@b"
			}
		} else if isSummaryLine(lines[i]) {
			body = withSession(sessionLines(lines, i, skip), body)
		}
		for _, a := range append([]string{a}, more...) {
			key := strings.ToLower(a)
			if k, ok := index[key]; ok {
				old := blocks[k].lines
				if !hasCodeOrStatus(old) && (hasCodeOrStatus(body) || len(substantive(old)) == 0) {
					blocks[k].lines = body
				}
				if blocks[k].stage == "" {
					blocks[k].stage = stage
				}
				if blocks[k].commentary == nil {
					blocks[k].commentary = commentary
				}
				continue
			}
			index[key] = len(blocks)
			blocks = append(blocks, textBlock{addr: a, lines: body, stage: stage, commentary: commentary})
		}
	}
	return blocks
}

// listedAfter returns the addresses that follow a line's reported address
// in a list ("a@b, c@d; e@f"): only separators, brackets and quotes stand
// between them. The list's addresses share the reason that follows it.
func listedAfter(l string, skip map[string]bool) []string {
	loc := addrRE.FindStringIndex(l)
	if loc == nil {
		return nil
	}
	var out []string
	rest := l[loc[1]:]
	for {
		rest = strings.TrimLeft(rest, ">\"') \t")
		if rest == "" || (rest[0] != ',' && rest[0] != ';') {
			return out
		}
		rest = strings.TrimLeft(rest[1:], " \t<\"'(")
		m := addrRE.FindStringIndex(rest)
		if m == nil || m[0] != 0 {
			return out
		}
		if a := cleanAddress(rest[:m[1]]); a != "" && !skip[strings.ToLower(a)] {
			out = append(out, a)
		}
		rest = rest[m[1]:]
	}
}

// expandedFromRE matches Postfix's note of the alias an address was
// expanded from, where it follows the address.
var expandedFromRE = regexp.MustCompile(`^\(expanded from <[^>]*>\)`)

// followingLines returns the rest of line i after the address and the
// paragraphs after it: until the next reported address, or the end of the
// first paragraphs that hold a reason (three at most); and apart, the
// paragraphs among them that are the notice's commentary on what happens
// next (isCommentary).
func followingLines(lines []string, i int, skip map[string]bool) (out, commentary []string) {
	loc := addrRE.FindStringIndex(lines[i])
	first := strings.TrimLeft(lines[i][loc[1]:], ">]):;,. \t")
	// Postfix's "<final@dom> (expanded from <alias>): reason" annotates
	// the address: the reason starts after it.
	first = strings.TrimLeft(expandedFromRE.ReplaceAllString(first, ""), ":;,. \t")
	if lead := lines[i][:loc[0]]; findCode(lead) != 0 || findStatus(lead) != "" {
		first = strings.TrimSpace(lines[i]) // a server reply that names the address: keep it whole
	}
	out = []string{first}
	// A reason on the address's own line ("<a@b>: mailbox full", "a@b...
	// User unknown") is the recipient's: its paragraph ends it, and what
	// follows a blank line is the notice's commentary ("this is only a
	// temporary failure report").
	ownLine := len(substantive(out)) > 0
	paras := 0
	self := strings.ToLower(cleanAddress(lines[i][loc[0]:loc[1]]))
	// A paragraph of the notice's commentary on what happens next (Exim's
	// "No action is required on your part. Delivery attempts will
	// continue ...") is left out: it follows the address but states no
	// reason. pstart is where the current paragraph starts in out.
	pstart := len(out)
	dropCommentary := func() {
		if pstart < len(out) && isCommentary(out[pstart:]) {
			commentary = append(commentary, out[pstart:]...)
			out = out[:pstart]
		}
		pstart = len(out)
	}
	for j := i + 1; j < len(lines); j++ {
		l := lines[j]
		if a := lineAddress(l, skip); a != "" && !wrapped(lines[j-1], l, a, self) || sessionStartRE.MatchString(l) && len(substantive(out)) > 0 {
			break
		}
		if strings.TrimSpace(l) == "" {
			dropCommentary()
			if len(substantive(out)) > 0 && (hasCodeOrStatus(out) || paras >= 2 || ownLine) {
				break
			}
			paras++
			continue
		}
		out = append(out, l)
	}
	dropCommentary()
	return out, commentary
}

// A session transcript (Sendmail's "----- Transcript of session follows
// -----", and the MTAs that copy it) ends each recipient's part with a
// summary line, "[CODE [X.Y.Z]] <a@b>... text", written by the reporting
// MTA; the remote's own reply ("<<< 550 ...") or the delivery agent's
// message ("mail.local: unknown user") comes on the lines before it,
// after the command that drew it (">>> RCPT To:<a@b>", "... while talking
// to HOST:").

// summaryRE matches the text after the address on a summary line.
var summaryRE = regexp.MustCompile(`^>?\.\.\.`)

// isSummaryLine reports whether line names its address the way a
// transcript's summary line does.
func isSummaryLine(l string) bool {
	loc := addrRE.FindStringIndex(l)
	return loc != nil && summaryRE.MatchString(l[loc[1]:])
}

// sessionLines returns the transcript lines that lead to the summary line
// i: back to a blank line, a separator, a line naming another address or
// the previous summary (a line that starts with a reply code of its own);
// the commands (">>>") and host headings are left out. Lines that are not
// in a transcript (no command, reply or host heading among them, no
// "Transcript" heading above them) are none: they are the notice's prose.
func sessionLines(lines []string, i int, skip map[string]bool) []string {
	j := i
	for j > 0 {
		l := strings.TrimSpace(lines[j-1])
		if l == "" || framedRE.MatchString(l) || strings.Trim(l, "-=_*") == "" || lineAddress(lines[j-1], skip) != "" ||
			(!strings.HasPrefix(l, "<<<") && findCode(l) != 0) {
			break
		}
		j--
	}
	inTranscript := j > 0 && framedRE.MatchString(lines[j-1]) && strings.Contains(strings.ToLower(lines[j-1]), "transcript")
	var out []string
	for _, l := range lines[j:i] {
		t := strings.ToLower(strings.TrimSpace(l))
		if strings.HasPrefix(t, ">>>") || strings.HasSuffix(t, ":") && strings.Contains(t, "while talking to") {
			inTranscript = true
			continue
		}
		if strings.HasSuffix(t, ":") && findCode(t) == 0 {
			continue // a heading: "mx.example.org [192.0.2.7]:"
		}
		inTranscript = inTranscript || strings.HasPrefix(t, "<<<")
		out = append(out, l)
	}
	if !inTranscript {
		return nil
	}
	return out
}

// withSession puts a summary line's session in front of its block when
// it holds the remote's reply ("<<<"), and the delivery agent's message
// after the summary otherwise: the diagnostic then starts with a reply
// code either way.
func withSession(session, body []string) []string {
	if len(session) == 0 {
		return body
	}
	for _, l := range session {
		if strings.HasPrefix(strings.TrimSpace(l), "<<<") {
			return append(append([]string{}, session...), body...)
		}
	}
	out := append([]string{body[0]}, session...)
	return append(out, body[1:]...)
}

// sessionStartRE matches the start of a transcript's next session (a
// host heading, a command): it ends the reason read so far.
var sessionStartRE = regexp.MustCompile(`(?i)^\s*(?:>>> |(?:\.\.\. )?while talking to )`)

// framedRE matches a section heading framed by separators ("----- The
// following addresses had permanent fatal errors -----").
var framedRE = regexp.MustCompile(`^\s*[-=_*]{3,}.*[-=_*]{3,}\s*$`)

// wrapped reports whether line l, naming address a, is the wrapped
// continuation of prev in a block about self: about the same address,
// right under a line that is not blank, and indented ("<a@b>: host mx
// said: 550 5.1.1\n    <a@b>: Recipient address rejected: ...") or
// continuing a sentence that line left open ("Your message to a@b has
// reached our local address\na@b, but this address is no longer valid.").
func wrapped(prev, l, a, self string) bool {
	p := strings.TrimSpace(prev)
	return strings.ToLower(a) == self && p != "" && l != "" && (l[0] == ' ' || l[0] == '\t' || midSentenceRE.MatchString(p))
}

// midSentenceRE matches a line that stops inside a sentence: its last word
// is a preposition, an article or a noun phrase's word, with no
// punctuation after it.
var midSentenceRE = regexp.MustCompile(`(?i)\b(?:to|for|at|of|address|mailbox|recipient|user|the|our|your|account)$`)

// namesAnother reports whether lines report an address other than a.
func namesAnother(lines []string, a string, skip map[string]bool) bool {
	for _, l := range lines {
		if o := lineAddress(l, skip); o != "" && !strings.EqualFold(o, a) {
			return true
		}
	}
	return false
}

// precedingParagraph returns the lines before line i back to the last
// blank line, or the paragraph before that one when line i starts one.
func precedingParagraph(lines []string, i int) []string {
	j := i
	for j > 0 && strings.TrimSpace(lines[j-1]) == "" {
		j--
	}
	end := j
	for j > 0 && strings.TrimSpace(lines[j-1]) != "" {
		j--
	}
	return lines[j:end]
}

// substantive returns the lines that say something: not blank, not a
// label ending in ':', not a separator.
func substantive(lines []string) []string {
	var out []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if len(t) < 3 || strings.Trim(t, "-=_*") == "" || framedRE.MatchString(t) || (strings.HasSuffix(t, ":") && !hasCodeOrStatus([]string{t})) {
			continue
		}
		out = append(out, l)
	}
	return out
}

func hasCodeOrStatus(lines []string) bool {
	s := strings.Join(lines, "\n")
	return findCode(s) != 0 || findStatus(s) != ""
}

// blockDiagnostic is the server's reply when the block quotes one (from
// the line with the reply code to the end of its paragraph), else the
// block's text.
func blockDiagnostic(lines []string) string {
	lines = withoutHeaderFields(lines)
	if d := replyFrom(lines, func(l string) bool { return findCode(l) != 0 }); d != "" {
		return endAtQmailStatus(d)
	}
	if d := replyFrom(lines, func(l string) bool { return findStatus(l) != "" }); d != "" {
		return endAtQmailStatus(d)
	}
	return oneLine(strings.Join(substantive(lines), " "))
}

// messageFieldRE matches a header field that only a message's header
// holds (its mail program, identity, threading, MIME structure): a reason
// that runs into a pasted original holds such lines, and their numbers
// (a program's "Version 5.0.2") are no status.
var messageFieldRE = regexp.MustCompile(`(?i)^\s*(?:x-mailer|user-agent|x-newsreader|x-mimeole|message-id|in-reply-to|references|mime-version|content-(?:type|transfer-encoding|disposition)|received|return-path|dkim-signature):`)

// withoutHeaderFields drops a pasted message's header fields from a
// block's lines (and the lines that continue them).
func withoutHeaderFields(lines []string) []string {
	var out []string
	in := false
	for _, l := range lines {
		switch {
		case messageFieldRE.MatchString(l):
			in = true
			continue
		case in && l != "" && (l[0] == ' ' || l[0] == '\t'):
			continue
		}
		in = false
		out = append(out, l)
	}
	if len(out) == len(lines) {
		return lines
	}
	return out
}

// qmailStatusRE matches the status with which qmail ends a delivery's
// reason: "Sorry, no mailbox here by that name. (#5.1.1)", or with the
// name of the patch that decided, "(#5.1.1 - chkusr)".
var qmailStatusRE = regexp.MustCompile(`\(#[245]\.\d{1,3}\.\d{1,3}(?: - [^()]{1,40})?\)`)

// endAtQmailStatus cuts a reason after qmail's closing status: what
// follows is qmail's own remark on the queue ("I'm not going to try
// again; this message has been in the queue too long."), not why the
// attempts failed.
func endAtQmailStatus(d string) string {
	if loc := qmailStatusRE.FindStringIndex(d); loc != nil {
		return d[:loc[1]]
	}
	return d
}

// replyFrom returns the lines from the first that starts a reply to the
// end of its paragraph (or the next reply), or "".
func replyFrom(lines []string, starts func(string) bool) string {
	for i, l := range lines {
		if !starts(l) {
			continue
		}
		end := i + 1
		for end < len(lines) && strings.TrimSpace(lines[end]) != "" && (!starts(lines[end]) || continues(lines[end-1], lines[end])) && !giveUpOnRE.MatchString(lines[end]) {
			end++
		}
		parts := make([]string, 0, end-i)
		for _, l := range lines[i:end] {
			parts = append(parts, withoutReplyMarker(l))
		}
		parts[0] = fromInlineReply(parts[0])
		return oneLine(strings.Join(parts, " "))
	}
	return ""
}

// inlineReplyRE matches a label stated as a clause that introduces the
// remote server's reply on the same line as the notice's own sentences
// (Gmail's "... We recommend contacting the other email provider. The
// error that the other server returned was: 550 ...", "The response
// was: 550 ..."), up to the reply code.
var inlineReplyRE = regexp.MustCompile(`(?i)\b(?:response|reply|answer|error|returned)\s+(?:was|is)\s*:\s*[<(\['"]?([45]\d\d)(?:[\s:,\-\])>]|$)`)

// fromInlineReply returns a line from the reply an inline label
// introduces: the notice's sentences before it say that the message was
// refused, the reply says why, and the reply is the diagnostic. A line
// with no such label is returned as it is.
func fromInlineReply(l string) string {
	if m := inlineReplyRE.FindStringSubmatchIndex(l); m != nil && strings.TrimSpace(l[:m[0]]) != "" {
		return l[m[2]:]
	}
	return l
}

// giveUpOnRE matches qmail-remote's own line after a remote host's
// reply, "Giving up on 192.0.2.1.": the host it stops trying, once that
// host's reply was permanent (or its connection failed for good). It is
// the reporting MTA's remark, no part of the reply and no statement that
// the message's time ran out, so the reply ends before it.
var giveUpOnRE = regexp.MustCompile(`(?i)^\s*giving up on \S+\s*$`)

// withoutReplyMarker drops the "<<<" with which a transcript marks what
// the remote said: the diagnostic is the reply itself.
func withoutReplyMarker(l string) string {
	if t := strings.TrimLeft(l, " \t"); strings.HasPrefix(t, "<<<") {
		return strings.TrimLeft(t, "< \t")
	}
	return l
}

// continuedRE matches a line of a multi-line reply that more lines
// follow: "550-5.7.1 ...", "<<< 552-...".
var continuedRE = regexp.MustCompile(`^[\s<>#]*([245]\d\d)-`)

// continues reports whether next is the next line of the multi-line
// reply prev belongs to (RFC 5321 4.2.1: "CODE-" on every line but the
// last, "CODE " on the last).
func continues(prev, next string) bool {
	p := continuedRE.FindStringSubmatch(prev)
	if p == nil {
		return false
	}
	t := strings.TrimLeft(next, " \t<>#")
	return strings.HasPrefix(t, p[1]+"-") || strings.HasPrefix(t, p[1]+" ")
}

// bestParagraph is the notice's paragraph that most likely states the
// reason: the first with a reply code or status, else the first that names
// a cause, else the first that only says delivery failed, else "". The
// order matters because every notice opens with a paragraph of the last
// kind ("could not be delivered ... The following address(es) failed:"),
// which says nothing an operator can act on, while the paragraph under the
// address ("mailbox is full: retry timeout exceeded") does.
func bestParagraph(lines []string) string {
	paras := paragraphs(lines)
	for _, p := range paras {
		if hasCodeOrStatus(p) {
			return blockDiagnostic(p)
		}
	}
	// the remote's words under a label ("The response was:", Google
	// Workspace's "The response from the remote server was:") when they
	// carry no code
	for i, p := range paras {
		if !responseLabelRE.MatchString(strings.TrimSpace(p[0])) {
			continue
		}
		if len(p) > 1 {
			return oneLine(strings.Join(p[1:], " "))
		}
		if i+1 < len(paras) {
			return oneLine(strings.Join(paras[i+1], " "))
		}
	}
	for _, re := range []*regexp.Regexp{causeWordRE, failureWordRE} {
		for _, p := range paras {
			if re.MatchString(withoutAddresses(strings.Join(p, " "))) && !isCommentary(p) {
				return oneLine(strings.Join(p, " "))
			}
		}
	}
	return ""
}

var (
	// responseLabelRE matches a line that introduces the remote server's
	// own words: "The response was:", "The response from the remote
	// server was:", "The error that the other server returned was:",
	// "Remote server replied:".
	responseLabelRE = regexp.MustCompile(`(?i)^(?:the )?(?:(?:smtp |server |remote )?(?:response|reply|answer|error)\b.{0,40}\b(?:was|is)|(?:the )?(?:remote |other |receiving )?(?:server|host|system) (?:replied|responded|said|returned))\s*:$`)
	// causeWordRE names why delivery failed.
	causeWordRE = regexp.MustCompile(`(?i)unknown|not exist|no such|invalid|rejected|refused|denied|blocked|full|quota|disabled|suspended|not found|expired|too long|timed? ?out|not listed|unavailable|lookup|unreachable|not reachable|not responding|no answer|loop|too (?:large|big)|exceed`)
	// failureWordRE only says that it failed (or has not succeeded yet:
	// a delay notice's "has not yet been delivered").
	failureWordRE = regexp.MustCompile(`(?i)unable|failed|failure|could not|undeliverable|not (?:yet )?(?:been )?delivered`)
	// commentaryRE matches the opening of a notice's commentary on what
	// happens next, addressed to its reader: no action needed, attempts
	// continue, the message will be retried or returned (Exim's "No action
	// is required on your part. Delivery attempts will continue for some
	// time", Gmail's "Message will be retried for 2 more day(s)",
	// Sendmail's "YOU DO NOT NEED TO RESEND YOUR MESSAGE").
	commentaryRE = regexp.MustCompile(`(?i)^[\s*•·-]*(?:no action is (?:required|needed)|(?:you )?(?:do not|don't|no) need to resend|(?:this is )?(?:a |only a )?warning (?:message )?only|delivery attempts will continue|(?:the |this |your )?(?:message|mail|e-?mail|delivery) will be (?:retried|re-?attempted)|(?:the server|we|it) will (?:continue|keep) trying)`)
)

// isCommentary reports whether a paragraph is the notice's commentary on
// what happens next (commentaryRE) and quotes no reply or status and
// names no cause: the schedule of retries is no reason for the failure.
func isCommentary(p []string) bool {
	t := strings.TrimSpace(strings.Join(p, " "))
	return commentaryRE.MatchString(t) && !hasCodeOrStatus(p) && !causeWordRE.MatchString(withoutAddresses(t))
}

func paragraphs(lines []string) [][]string {
	var out [][]string
	var cur []string
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, l)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

var (
	temporaryRE = regexp.MustCompile(`(?i)temporar|delayed|will (?:continue|keep|be) (?:to )?(?:try|retr)|will retry|still trying|not yet been delivered|deferred|warning: message`)
	permanentRE = regexp.MustCompile(`(?i)permanent|given up|giving up|not going to try again|will not (?:try|be retried)|fatal|could not be delivered|failed`)
)

// warningOnlyRE matches the words with which a delay warning says it is
// one ("THIS IS A WARNING ONLY. YOU DO NOT NEED TO RESEND YOUR MESSAGE",
// "It will be retried until it is 5 day(s) old", "Delayed Mail (still
// being retried)"): then its "could not be delivered for 4 hours" is no
// failure. A notice that promises word later, should delivery fail for
// good ("You'll be notified if the delivery fails permanently"), says in
// that very promise that it has not failed yet.
var warningOnlyRE = regexp.MustCompile(`(?i)warning (?:message )?only|(?:do not|don't|no) need to resend|still being retried|will be retried until|will keep trying until|(?:notified|notify you|informed|inform you|let you know) (?:again )?(?:if|when|should|in case)\b[^.]{0,60}\b(?:fails?|undeliverable|cannot be delivered)`)

// errorKindRE matches a notice's own statement of which kind of error it
// reports ("This is a permanent error", "This is a temporary error. The
// following address(es) deferred"): that outranks the other words, which a
// delay notice shares with a failure ("could not be delivered to one or
// more of its recipients") and a failure with a delay (a reply quoting
// "delivery temporarily suspended").
var errorKindRE = regexp.MustCompile(`(?i)\bthis is a (permanent|temporary|transient) (?:error|failure|problem)`)

// noticeAction reads whether the notice reports a failure or a delay.
// Lines are joined with spaces: a notice wraps its sentences anywhere
// ("your message could not / be delivered").
func noticeAction(lines []string) string {
	s := strings.Join(lines, " ")
	if warningOnlyRE.MatchString(s) {
		return "delayed"
	}
	kinds := map[bool]bool{} // permanent or not: stated
	for _, k := range errorKindRE.FindAllStringSubmatch(s, -1) {
		kinds[strings.ToLower(k[1]) == "permanent"] = true
	}
	if len(kinds) == 1 {
		if kinds[true] {
			return "failed"
		}
		return "delayed"
	}
	if temporaryRE.MatchString(s) && !permanentRE.MatchString(s) {
		return "delayed"
	}
	return "failed"
}

// noticeDiagnostic is the notice's reason for a DSN's recipient (self:
// its address, and its original address if given), whose Diagnostic-Code
// is missing or says little; others are the addresses of the DSN's other
// recipients, whose reasons the notice may state too.
func noticeDiagnostic(m *msg, self []string, other func(string) bool) string {
	m.noticeBlocks()
	for _, b := range m.blocks {
		if strings.EqualFold(b.addr, self[0]) {
			d := reasonFor(b.lines, func() string {
				return m.bestParagraphOf(m.notAbout(self, func(a string) bool { return other(a) || m.inBlocks(a) }))
			})
			if d == "" {
				d = blockDiagnostic(b.commentary)
			}
			return d
		}
	}
	return m.bestParagraphOf(m.notAbout(self, other))
}

// noticeBlocks computes the notice's address blocks, once per report,
// not once per recipient.
func (m *msg) noticeBlocks() {
	if m.inBlocks == nil {
		m.blocks = addressBlocks(noticeOf(m).lines, ownAddresses(m, nil))
		m.inBlocks = inBlocks(m.blocks)
	}
}

// noticeStage is the stage the notice states for a DSN recipient's
// reply (self: its addresses), or "": from its block, else from around
// the first line naming it (a notice addressed to the failed recipient
// itself names it without a block).
func (m *msg) noticeStage(self []string) string {
	m.noticeBlocks()
	if m.blockStage == nil { // once per report
		m.blockStage = make(map[string]string, len(m.blocks))
		for _, b := range m.blocks {
			m.blockStage[strings.ToLower(b.addr)] = b.stage
		}
	}
	for _, a := range self {
		if st, ok := m.blockStage[strings.ToLower(a)]; ok && a != "" {
			return st
		}
	}
	if m.firstLine == nil { // once per report: each address's first line
		m.firstLine = map[string]int{}
		for i, l := range noticeOf(m).lines {
			for _, a := range addresses(l) {
				if _, ok := m.firstLine[strings.ToLower(a)]; !ok {
					m.firstLine[strings.ToLower(a)] = i
				}
			}
		}
	}
	for _, a := range self {
		if i, ok := m.firstLine[strings.ToLower(a)]; ok && a != "" {
			lines := noticeOf(m).lines
			body, _ := followingLines(lines, i, nil)
			return stageNear(lines, i, body)
		}
	}
	return ""
}

// bestParagraphOf is bestParagraph(lines), computed once for the
// notice's own lines: a report of many recipients asks for it for each.
func (m *msg) bestParagraphOf(lines []string) string {
	n := noticeOf(m).lines
	if len(lines) != len(n) || len(n) == 0 || &lines[0] != &n[0] {
		return bestParagraph(lines)
	}
	if m.best == nil {
		p := bestParagraph(n)
		m.best = &p
	}
	return *m.best
}

// notAbout is notAbout over the notice, its addresses read once.
func (m *msg) notAbout(self []string, other func(string) bool) []string {
	n := noticeOf(m).lines
	if m.lineAddrs == nil {
		m.lineAddrs = make([][]string, len(n))
		for i, l := range n {
			m.lineAddrs[i] = addresses(l)
		}
	}
	return notAbout(n, m.lineAddrs, self, other)
}

// reasonFor is the diagnostic of an address's block, or the notice's
// best paragraph when the block says nothing of a cause (no reply code,
// no status, no word naming a cause): notices that state one reason for
// every recipient put it before the list ("Could not be delivered because
// of / 550 5.1.1 User unknown / The following recipients were affected:").
// best gives that paragraph, asked for only when the block says nothing.
func reasonFor(block []string, best func() string) string {
	d := blockDiagnostic(block)
	if d != "" && hasCodeOrStatus([]string{d}) {
		return d
	}
	p := best()
	if p != "" && hasCodeOrStatus([]string{p}) {
		// the remote's reply, stated apart from the address ("Your
		// message to a@b has been blocked." and, under "The response
		// was:", "550 5.7.26 ..."), says more than the notice's words
		return p
	}
	if d != "" && causeWordRE.MatchString(withoutAddresses(d)) {
		return d
	}
	if p != "" && (d == "" || causeWordRE.MatchString(withoutAddresses(p))) {
		return p
	}
	return d
}

// wordRE matches a word: a line that has one says more than an address.
var wordRE = regexp.MustCompile(`\pL\pL`)

// withoutAddresses blanks the addresses in s: "expired@example.org" names
// no cause.
func withoutAddresses(s string) string { return addrRE.ReplaceAllString(s, " ") }

// notAbout blanks the paragraphs of a notice that name another
// recipient's address (other reports which) and none of self's: what they
// state is that recipient's reason, which must not be taken for self's.
func notAbout(notice []string, addrs [][]string, self []string, other func(string) bool) []string {
	var out []string // a copy, once a paragraph is blanked
	start := 0
	for i := 0; i <= len(notice); i++ {
		if i < len(notice) && strings.TrimSpace(notice[i]) != "" {
			continue
		}
		if i > start && namesOnlyOthers(addrs[start:i], self, other) {
			if out == nil {
				out = slices.Clone(notice)
			}
			clear(out[start:i])
		}
		start = i + 1
	}
	if out == nil {
		return notice
	}
	return out
}

// namesOnlyOthers reports whether para names another recipient's
// address, and none of self's.
func namesOnlyOthers(para [][]string, self []string, other func(string) bool) bool {
	named := false
	for _, as := range para {
		for _, a := range as {
			switch {
			case containsFold(self, a):
				return false
			case other(a):
				named = true
			}
		}
	}
	return named
}

// inBlocks reports whether an address has a block among blocks.
func inBlocks(blocks []textBlock) func(string) bool {
	set := make(map[string]bool, len(blocks))
	for _, b := range blocks {
		set[strings.ToLower(b.addr)] = true
	}
	return func(a string) bool { return set[strings.ToLower(a)] }
}

func containsFold(list []string, a string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return s != "" && strings.EqualFold(s, a) })
}

// Some MTAs list every failed address on one labelled line and state the
// reason once, on a labelled line of the same paragraph: Haraka's stock
// bounce template ("Intended Recipients: <a@b>, <c@d>" then "Failure
// Reason: ..."), the same two fields other small MTAs print. The reason
// line is each listed address's; read by the general rule, a listed
// address would get the list's own line, which names no cause.
var (
	// rcptListRE matches a line that labels a list of recipients.
	rcptListRE = regexp.MustCompile(`(?i)^\s*(?:intended|failed|undelivered|undeliverable|rejected|affected)\s+recipients?(?:\(s\))?\s*:\s*\S`)
	// reasonLabelRE matches a labelled reason and captures its text.
	reasonLabelRE = regexp.MustCompile(`(?i)^\s*(?:failure|error|bounce|delivery|rejection)\s+(?:reason|cause)\s*:\s*(\S.*)$`)
)

// listBlocks returns a block per address of a labelled recipient list
// whose paragraph gives a labelled reason, the reason (with its
// continuation lines, up to the paragraph's end) as each one's lines.
func listBlocks(lines []string, skip map[string]bool) []textBlock {
	var blocks []textBlock
	for i, l := range lines {
		if !rcptListRE.MatchString(l) {
			continue
		}
		var reason []string
		for j := i + 1; j < len(lines) && j <= i+4 && strings.TrimSpace(lines[j]) != ""; j++ {
			if reason != nil {
				reason = append(reason, lines[j])
				continue
			}
			if sm := reasonLabelRE.FindStringSubmatch(lines[j]); sm != nil {
				reason = []string{sm[1]}
				for k := j + 1; k < len(lines) && strings.TrimSpace(lines[k]) != "" && len(reason) < 6; k++ {
					reason = append(reason, lines[k])
				}
				break
			}
		}
		if reason == nil {
			continue
		}
		_, list, _ := strings.Cut(l, ":")
		for _, a := range addresses(list) {
			if a = cleanAddress(a); a != "" && !skip[strings.ToLower(a)] && !hasBlock(blocks, a) {
				blocks = append(blocks, textBlock{addr: a, lines: reason})
			}
		}
	}
	return blocks
}
