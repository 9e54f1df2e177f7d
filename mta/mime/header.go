package mime

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Line lengths (RFC 5322 section 2.1.1, RFC 2047 section 2).
const (
	foldAt         = 78  // header lines are folded before this column
	maxEncodedLine = 76  // a line holding an encoded word
	maxWord        = 75  // one encoded word
	maxLine        = 998 // hard limit of any line, CRLF excluded
)

// ErrBadHeader is returned (wrapped) for a header field name or value that
// cannot be written: a name that is not RFC 5322 ftext, or a value holding
// CR, LF or NUL.
var ErrBadHeader = errors.New("mime: bad header field")

// Field is one header field, its value as the author wrote it (UTF-8).
type Field struct {
	Name, Value string
}

// CheckValue returns an error for a value that would break the header
// block: CR, LF or NUL anywhere.
func CheckValue(v string) error {
	if i := strings.IndexAny(v, "\r\n\x00"); i >= 0 {
		return fmt.Errorf("%w: value holds a line break or NUL at byte %d", ErrBadHeader, i)
	}
	return nil
}

// folder appends one header field, breaking lines at token boundaries.
type folder struct {
	b     []byte
	col   int // characters on the current line
	limit int
	first bool
}

func startField(b []byte, name string, limit int) *folder {
	b = append(b, name...)
	b = append(b, ':')
	return &folder{b: b, col: len(name) + 1, limit: limit, first: true}
}

// token writes sep then tok, or a fold ("\r\n ") then tok when tok would
// pass the limit. sep is white space or empty; folding replaces a space, so
// an unfolded field reads as written. An empty token is never folded
// before: a line of white space only is not allowed.
func (f *folder) token(sep, tok string) {
	if !f.first && tok != "" && sep == " " && f.col+1+len(tok) > f.limit {
		f.b = append(f.b, "\r\n "...)
		f.col = 1
	} else {
		f.b = append(f.b, sep...)
		f.col += len(sep)
	}
	f.b = append(f.b, tok...)
	f.col += len(tok)
	f.first = false
}

func (f *folder) end() []byte { return append(f.b, "\r\n"...) }

// appendText appends an unstructured field (Subject, X-*): ASCII text is
// folded at its spaces, anything else becomes encoded words.
func appendText(b []byte, name, value string) []byte {
	if needsEncoding(value) {
		return appendEncoded(b, name, value)
	}
	f := startField(b, name, foldAt)
	words := strings.Split(value, " ")
	f.token(" ", words[0])
	for _, w := range words[1:] {
		f.token(" ", w)
	}
	return f.end()
}

// needsEncoding: non-ASCII, control characters (tab aside), something that
// a reader would take for an encoded word, or a word too long for a line.
func needsEncoding(v string) bool {
	if strings.Contains(v, "=?") {
		return true
	}
	run := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 0x7f || c < ' ' && c != '\t' {
			return true
		}
		if run++; c == ' ' {
			run = 0
		}
		if run > maxLine-foldAt {
			return true
		}
	}
	return false
}

func appendEncoded(b []byte, name, value string) []byte {
	f := startField(b, name, maxEncodedLine)
	for _, w := range encodedWords(value, f.col+1) {
		f.token(" ", w)
	}
	return f.end()
}

// encodedWords splits s into RFC 2047 encoded words (UTF-8, B or Q,
// whichever is shorter), never splitting a character, each word at most 75
// characters and the first short enough to follow col characters on a
// 76-column line.
func encodedWords(s string, col int) []string {
	q := qLen(s) <= base64.StdEncoding.EncodedLen(len(s))
	room := max(maxEncodedLine-col, 20)
	var out []string
	for len(s) > 0 {
		n := fitRunes(s, room-len("=?utf-8?q??="), q)
		out = append(out, encodeWord(s[:n], q))
		s = s[n:]
		room = maxWord
	}
	return out
}

// fitRunes returns how many bytes of s, whole characters, encode in at
// most room characters (at least one character).
func fitRunes(s string, room int, q bool) int {
	n, used := 0, 0
	for n < len(s) {
		_, size := utf8.DecodeRuneInString(s[n:])
		var cost int
		if q {
			cost = qLen(s[n : n+size])
		} else {
			cost = base64.StdEncoding.EncodedLen(n+size) - used
		}
		if n > 0 && used+cost > room {
			break
		}
		used += cost
		n += size
	}
	return n
}

// qSafe are the characters Q encoding may leave as they are in any header
// position, display names included (RFC 2047 section 5, rule 3).
func qSafe(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '!' || c == '*' || c == '+' || c == '-' || c == '/'
}

func qLen(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if qSafe(s[i]) || s[i] == ' ' {
			n++
		} else {
			n += 3
		}
	}
	return n
}

const upperHex = "0123456789ABCDEF"

func encodeWord(s string, q bool) string {
	var b strings.Builder
	if !q {
		b.WriteString("=?utf-8?b?")
		b.WriteString(base64.StdEncoding.EncodeToString([]byte(s)))
		b.WriteString("?=")
		return b.String()
	}
	b.WriteString("=?utf-8?q?")
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case qSafe(c):
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('_')
		default:
			b.WriteByte('=')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
		}
	}
	b.WriteString("?=")
	return b.String()
}

// appendParams appends a structured field made of a value and parameters
// separated by "; " (Content-Type, Content-Disposition), folding before a
// parameter that would pass column 78.
func appendParams(b []byte, name, value string) []byte {
	f := startField(b, name, foldAt)
	parts := strings.Split(value, "; ")
	f.token(" ", parts[0])
	for _, p := range parts[1:] {
		f.b = append(f.b, ';')
		f.col++
		f.token(" ", p)
	}
	return f.end()
}
