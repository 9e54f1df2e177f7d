package httpapi

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/wasmta/wasmta/mta/intake"
)

// rawMessage is a checked raw message, split so that the fields a
// variant adds (Message-ID) go at the end of the header.
type rawMessage struct {
	header   []byte // header fields, CRLF-terminated, the campaign field removed
	body     []byte // the empty line and the body; nil when the message has none
	campaign string // value of the campaign header field, when usable
	hasDate  bool
	hasMsgID bool
	hasFrom  bool
}

// parseRaw checks a raw message: no NUL, lines of at most 998 characters,
// a header of well-formed fields including From. Bare LF and CR line
// endings become CRLF, as SMTP reception makes them.
func parseRaw(s, campaignHeader string) (*rawMessage, string) {
	if s == "" {
		return nil, "empty"
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		return nil, fmt.Sprintf("holds a NUL character at byte %d", i)
	}
	data := crlfLines(s)
	if n, long := longestLine(data); long > 998 {
		return nil, fmt.Sprintf("line %d is %d characters long, more than 998 (RFC 5322)", n, long)
	}
	m := &rawMessage{}
	end := bytes.Index(data, []byte("\r\n\r\n"))
	switch {
	case bytes.HasPrefix(data, []byte("\r\n")):
		return nil, "has no header (it starts with an empty line)"
	case end < 0:
		m.header = data
	default:
		m.header, m.body = data[:end+2], data[end+2:]
	}
	if msg := m.scanHeader(campaignHeader); msg != "" {
		return nil, msg
	}
	return m, ""
}

// crlfLines returns s with CRLF line endings and a final CRLF. Most
// messages have CRLF already: they are copied with vectorised scans only.
func crlfLines(s string) []byte {
	pairs := strings.Count(s, "\r\n")
	if strings.Count(s, "\r") == pairs && strings.Count(s, "\n") == pairs {
		out := make([]byte, len(s), len(s)+2)
		copy(out, s)
		if !bytes.HasSuffix(out, []byte("\r\n")) {
			out = append(out, '\r', '\n')
		}
		return out
	}
	out := make([]byte, 0, len(s)+len(s)/50+2)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			out = append(out, '\r', '\n')
		case '\n':
			out = append(out, '\r', '\n')
		default:
			out = append(out, c)
		}
	}
	if !bytes.HasSuffix(out, []byte("\r\n")) {
		out = append(out, '\r', '\n')
	}
	return out
}

// longestLine returns the number (from 1) and length, CRLF excluded, of
// the first line longer than 998 characters, else of the longest line.
func longestLine(data []byte) (int, int) {
	best, bestN := 0, 0
	for n := 1; len(data) > 0; n++ {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			i = len(data)
		}
		if l := len(bytes.TrimSuffix(data[:i], []byte("\r"))); l > best {
			best, bestN = l, n
			if l > 998 {
				break
			}
		}
		data = data[min(i+1, len(data)):]
	}
	return bestN, best
}

// scanHeader checks every field, notes Date, Message-ID and From, and
// removes the campaign field (taking its value, as SMTP reception does).
func (m *rawMessage) scanHeader(campaignHeader string) string {
	var kept []byte
	skip := false
	for n, line := range bytes.SplitAfter(m.header, []byte("\r\n")) {
		if len(line) == 0 {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if n == 0 {
				return "header starts with a continuation line"
			}
			if !skip {
				kept = append(kept, line...)
			}
			continue
		}
		colon := bytes.IndexByte(line, ':')
		name := string(bytes.TrimRight(line[:max(colon, 0)], " \t"))
		if colon <= 0 || !intake.IsFieldName(name) {
			return fmt.Sprintf("header line %d is not a field (\"Name: value\"), and no empty line comes before it", n+1)
		}
		skip = strings.EqualFold(name, campaignHeader)
		switch {
		case skip:
			if m.campaign == "" {
				m.campaign = unfold(line[colon+1:])
			}
			continue
		case strings.EqualFold(name, "From"):
			m.hasFrom = true
		case strings.EqualFold(name, "Date"):
			m.hasDate = true
		case strings.EqualFold(name, "Message-ID"):
			m.hasMsgID = true
		}
		kept = append(kept, line...)
	}
	if !m.hasFrom {
		return "has no From: header field (it is required, and DKIM signs it)"
	}
	m.header = kept
	return ""
}

// unfold returns a field value on one line, white space runs collapsed.
func unfold(v []byte) string {
	return strings.Join(strings.Fields(string(v)), " ")
}
