package feedback

import (
	"regexp"
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
}

// parseText reads a bounce that has no machine-readable part.
func parseText(r *Report, m *msg) {
	n := noticeOf(m)
	if r.Original == nil {
		r.Original = n.originalFromRest()
	}
	skip := ownAddresses(m, r.Original)
	blocks := addressBlocks(n.lines, skip)
	for _, v := range m.top.all("x-failed-recipients") {
		for _, a := range addresses(v) {
			if !hasBlock(blocks, a) {
				blocks = append(blocks, textBlock{addr: a})
			}
		}
	}
	bounce := m.looksLikeBounce()
	if len(blocks) == 0 && bounce && r.Original != nil {
		for _, a := range r.Original.To {
			blocks = append(blocks, textBlock{addr: a})
		}
	}
	action := noticeAction(n.lines)
	for _, b := range blocks {
		rc := textRecipient(b, n.lines, action)
		if !bounce && rc.Code == 0 && findStatus(strings.Join(b.lines, "\n")) == "" {
			continue // an address in a message that says nothing of a failure
		}
		r.Recipients = append(r.Recipients, rc)
	}
}

func textRecipient(b textBlock, lines []string, action string) Recipient {
	diag := blockDiagnostic(b.lines)
	if diag == "" {
		diag = bestParagraph(lines)
	}
	rc := Recipient{Kind: KindBounce, Address: b.addr, Action: action, Diagnostic: diag}
	rc.Code = findCode(diag)
	rc.Status = betterStatus("", firstNonEmpty(findStatus(diag), findStatus(strings.Join(b.lines, "\n"))), rc.Code)
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
// space, quotes, a display name, "<", "mailto:", a reply code and status.
var leadRE = regexp.MustCompile(`^[\s"'<(\[*•·-]*(?:[\pL\pN ._'"-]{0,40}?[\s<"]*)?(?:mailto:)?$`)

// lineAddress returns the address a line reports, or "".
func lineAddress(l string, skip map[string]bool) string {
	loc := addrRE.FindStringIndex(l)
	if loc == nil {
		return ""
	}
	lead := l[:loc[0]]
	if !leadRE.MatchString(lead) || leadWord(lead) {
		return ""
	}
	a := cleanAddress(l[loc[0]:loc[1]])
	if a == "" || skip[strings.ToLower(a)] {
		return ""
	}
	return a
}

// leadWord reports whether the words before an address make it a sender
// or a host, not a recipient ("from a@b", "by a@b").
func leadWord(lead string) bool {
	f := strings.Fields(strings.ToLower(strings.Trim(lead, " <\"'(")))
	if len(f) == 0 {
		return false
	}
	switch f[len(f)-1] {
	case "from", "by", "sender", "envelope-from", "sent", "return-path":
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
		body := followingLines(lines, i, skip)
		if len(substantive(body)) == 0 {
			body = precedingParagraph(lines, i)
		}
		key := strings.ToLower(a)
		if k, ok := index[key]; ok {
			if !hasCodeOrStatus(blocks[k].lines) && hasCodeOrStatus(body) {
				blocks[k].lines = body
			}
			continue
		}
		index[key] = len(blocks)
		blocks = append(blocks, textBlock{addr: a, lines: body})
	}
	return blocks
}

// followingLines returns the rest of line i after the address and the
// paragraphs after it: until the next reported address, or the end of the
// first paragraphs that hold a reason (three at most).
func followingLines(lines []string, i int, skip map[string]bool) []string {
	loc := addrRE.FindStringIndex(lines[i])
	first := strings.TrimLeft(lines[i][loc[1]:], ">]):;,. \t")
	if lead := lines[i][:loc[0]]; findCode(lead) != 0 || findStatus(lead) != "" {
		first = strings.TrimSpace(lines[i]) // a server reply that names the address: keep it whole
	}
	out := []string{first}
	paras := 0
	for j := i + 1; j < len(lines); j++ {
		l := lines[j]
		if lineAddress(l, skip) != "" {
			break
		}
		if strings.TrimSpace(l) == "" {
			if len(substantive(out)) > 0 && (hasCodeOrStatus(out) || paras >= 2) {
				break
			}
			paras++
			continue
		}
		out = append(out, l)
	}
	return out
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
		if len(t) < 3 || strings.Trim(t, "-=_*") == "" || (strings.HasSuffix(t, ":") && !hasCodeOrStatus([]string{t})) {
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
	if d := replyFrom(lines, func(l string) bool { return findCode(l) != 0 }); d != "" {
		return d
	}
	if d := replyFrom(lines, func(l string) bool { return findStatus(l) != "" }); d != "" {
		return d
	}
	return oneLine(strings.Join(substantive(lines), " "))
}

// replyFrom returns the lines from the first that starts a reply to the
// end of its paragraph (or the next reply), or "".
func replyFrom(lines []string, starts func(string) bool) string {
	for i, l := range lines {
		if !starts(l) {
			continue
		}
		end := i + 1
		for end < len(lines) && strings.TrimSpace(lines[end]) != "" && !starts(lines[end]) {
			end++
		}
		return oneLine(strings.Join(lines[i:end], " "))
	}
	return ""
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
	for _, re := range []*regexp.Regexp{causeWordRE, failureWordRE} {
		for _, p := range paras {
			if re.MatchString(strings.Join(p, " ")) {
				return oneLine(strings.Join(p, " "))
			}
		}
	}
	return ""
}

var (
	// causeWordRE names why delivery failed.
	causeWordRE = regexp.MustCompile(`(?i)unknown|not exist|no such|invalid|rejected|refused|denied|blocked|full|quota|disabled|suspended|not found|expired|too long|timed? ?out|not listed|unavailable|lookup|unreachable|loop|too (?:large|big)|exceed`)
	// failureWordRE only says that it failed.
	failureWordRE = regexp.MustCompile(`(?i)unable|failed|failure|could not|undeliverable|not delivered`)
)

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

// noticeAction reads whether the notice reports a failure or a delay.
func noticeAction(lines []string) string {
	s := strings.Join(lines, "\n")
	if temporaryRE.MatchString(s) && !permanentRE.MatchString(s) {
		return "delayed"
	}
	return "failed"
}

// noticeDiagnostic is the notice's reason for addr: for a DSN whose
// recipient has no Diagnostic-Code.
func noticeDiagnostic(m *msg, addr string) string {
	n := noticeOf(m)
	for _, b := range addressBlocks(n.lines, ownAddresses(m, nil)) {
		if strings.EqualFold(b.addr, addr) {
			if d := blockDiagnostic(b.lines); d != "" {
				return d
			}
		}
	}
	return bestParagraph(n.lines)
}
