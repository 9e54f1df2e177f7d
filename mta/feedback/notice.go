package feedback

import (
	"html"
	"regexp"
	"slices"
	"strings"
)

// notice is the human-readable text of a report, cut where the quoted
// original begins: the lines a non-standard bounce states its failures in.
type notice struct {
	lines []string
	rest  []string // the lines after the cut: the quoted original, if pasted inline
}

// noticeExpired reports whether the notice says the reporting MTA gave
// the message up for time (expiredRE), computed once per report.
func (m *msg) noticeExpired() bool {
	if m.expiry == 0 {
		m.expiry = 2
		for _, l := range noticeOf(m).lines {
			if saysExpired(l) {
				m.expiry = 1
				break
			}
		}
	}
	return m.expiry == 1
}

// noticeOf collects the text parts before the first quoted original
// (text/plain preferred; text/html, stripped of tags, only when a message
// has no plain text) and cuts them at the original's start.
func noticeOf(m *msg) notice {
	if m.notice == nil {
		n := readNotice(m)
		m.notice = &n
	}
	return *m.notice
}

func readNotice(m *msg) notice {
	var plain, htmlText []string
	for i, e := range m.parts {
		if isOriginalType(e.ctype) || (i > 0 && !e.typed && (e.header.get("received") != "" || e.header.get("message-id") != "")) {
			break
		}
		switch {
		case e.ctype == "text/plain" || isDSNType(e.ctype) && !hasDSNFields(e.body) && wordRE.Match(e.body):
			// a part labelled delivery-status that holds no RFC 3464
			// fields is the notice's text under the wrong type
			plain = append(plain, splitLines(e.body)...)
		case e.ctype == "text/html":
			htmlText = append(htmlText, splitLines([]byte(stripHTML(string(e.body))))...)
		}
	}
	lines := plain
	if len(lines) == 0 {
		lines = htmlText
	}
	lines = capLines(lines)
	cut := originalStart(lines)
	return notice{lines: lines[:min(cut, dsnFieldsStart(lines), footerStart(lines[:cut]))], rest: lines[cut:]}
}

// footerStart returns the index of the line that opens a footer the
// notice ends with, or len(lines): a signature delimiter ("-- ", RFC 3676
// section 4.3) or a rule of underscores, bare or framing a title (an
// antivirus scanner's or a disclaimer's "_____ Scanned by ... _____"),
// after which no line names an address or quotes a reply code or status.
// A footer is no reason: it is what a relay or a scanner stamps on every
// message it passes, the bounce among them.
func footerStart(lines []string) int {
	for i, l := range lines {
		if l != "-- " && !footerRuleRE.MatchString(l) {
			continue
		}
		rest := lines[i+1:]
		if !hasCodeOrStatus(rest) && !slices.ContainsFunc(rest, func(s string) bool { return addrRE.MatchString(s) }) {
			return i
		}
	}
	return len(lines)
}

// footerRuleRE matches a rule of underscores, alone or around a title.
var footerRuleRE = regexp.MustCompile(`^\s*_{5,}(?:[^_].*[^_]_{5,})?\s*$`)

// dsnFieldsStart returns the index of the first line of RFC 3464 fields
// pasted into the notice's text (a paragraph that starts with
// Reporting-MTA or Final-Recipient), or len(lines): what the notice says
// ends there, and a Status line is no sentence about a recipient.
func dsnFieldsStart(lines []string) int {
	for i, l := range lines {
		if (i == 0 || strings.TrimSpace(lines[i-1]) == "") && dsnFieldLineRE.MatchString(l) {
			return i
		}
	}
	return len(lines)
}

var dsnFieldLineRE = regexp.MustCompile(`(?i)^(?:reporting-mta|final-recipient):\s*\S`)

// A notice is read up to maxNoticeLines lines of at most maxLineLen
// bytes (RFC 5321's 998, rounded): failures are stated at the top, and
// the heuristics must cost little however large the input.
const (
	maxNoticeLines = 1500
	maxLineLen     = 1000
)

func capLines(lines []string) []string {
	if len(lines) > maxNoticeLines {
		lines = lines[:maxNoticeLines]
	}
	for i, l := range lines {
		if len(l) > maxLineLen {
			lines[i] = strings.ToValidUTF8(l[:maxLineLen], "")
		}
	}
	return lines
}

func isOriginalType(ct string) bool {
	for _, t := range originalTypes {
		if ct == t {
			return true
		}
	}
	return false
}

var (
	tagBreakRE = regexp.MustCompile(`(?i)<(?:br|/p|/div|/tr|/li|/h\d|hr)[^>]*>`)
	tagRE      = regexp.MustCompile(`<[^>]*>`)
	styleRE    = regexp.MustCompile(`(?is)<(style|script|head)[^>]*>.*?</(?:style|script|head)>`)
)

func stripHTML(s string) string {
	s = styleRE.ReplaceAllString(s, "")
	s = tagBreakRE.ReplaceAllString(s, "\n")
	s = tagRE.ReplaceAllString(s, "")
	return html.UnescapeString(s)
}

// delimPhraseRE matches the phrases with which bounce texts announce the
// returned message; delimShapeRE the shape of a separator line.
var (
	delimPhraseRE = regexp.MustCompile(`(?i)original (?:message|mail)|copy of (?:the|your|this) message|returned message|message headers?\b|headers? of (?:the |your )?(?:original|returned)|below this line|unsent message|undelivered message|message follows|original headers|returned mail follows|message text follows|rfc822|forwarded message|include(?:d|s)? (?:the )?(?:original|header)`)
	// A separator may be framed in bars or plus signs ("|---- Message
	// text follows: ----|", Smail's section headings).
	delimShapeRE = regexp.MustCompile(`(?i)^\s*[|+]?[-=_*]{2,}|[-=_*]{2,}[|+]?\s*$|:\s*$|\bfollows?\.?\s*$`)
	// headerLineRE matches a header field's first line; some MTAs paste
	// the original's header without the space after the colon
	// ("Message-ID:<...>"), a URL ("https://...") is not one.
	headerLineRE  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*:(?:[ \t]|[^/\s])`)
	quotedFieldRE = regexp.MustCompile(`(?i)^(?:received|return-path|message-id|dkim-signature|x-received|mime-version):`)
)

// originalStart returns the index of the first line of the quoted
// original: a separator line that names it, or a block of header fields
// that a message would start with. len(lines) when there is none.
func originalStart(lines []string) int {
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if delimPhraseRE.MatchString(t) && delimShapeRE.MatchString(t) && !strings.Contains(strings.ToLower(t), "was received") {
			return i
		}
		if (i == 0 || strings.TrimSpace(lines[i-1]) == "" || delimShapeRE.MatchString(lines[i-1])) && headerBlockAt(lines, i) {
			return i
		}
		if qmailSepRE.MatchString(l) && originalOrNothingAfter(lines, i+1) {
			return i
		}
	}
	return len(lines)
}

// qmailSepRE matches the shape of qmail's separator before the returned
// message, in whatever language the notice is written: three dashes, a
// space, one sentence ending in a full stop, alone on its line ("---
// Below this line is a copy of the message.", "--- Enclosed are the
// original headers of the message.", a translation of either).
var qmailSepRE = regexp.MustCompile(`^--- [^-\s][^\n]{0,120}\.\s*$`)

// originalOrNothingAfter reports whether the lines from i on are blank up
// to a quoted header block or the end of the text (the original in a
// MIME part of its own): a separator line stands before the original.
func originalOrNothingAfter(lines []string, i int) bool {
	for ; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "" {
			return headerBlockAt(lines, i)
		}
	}
	return true
}

// headerBlockAt reports whether three or more header fields start at line
// i, one of them a field only a message header has.
func headerBlockAt(lines []string, i int) bool {
	n, quoted := 0, false
	for j := i; j < len(lines) && j < i+40; j++ {
		l := lines[j]
		switch {
		case headerLineRE.MatchString(l):
			n++
			quoted = quoted || quotedFieldRE.MatchString(l)
		case l != "" && (l[0] == ' ' || l[0] == '\t') && n > 0:
		default:
			return n >= 3 && quoted
		}
	}
	return n >= 3 && quoted
}

// originalFromRest reads a quoted original pasted after the notice.
func (n notice) originalFromRest() *Original {
	var b strings.Builder
	started := false
	for _, l := range n.rest {
		if !started && !headerLineRE.MatchString(l) {
			continue
		}
		started = true
		b.WriteString(l)
		b.WriteString("\n")
	}
	h, _ := parseHeader([]byte(b.String()))
	return newOriginal(h)
}
