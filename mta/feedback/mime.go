package feedback

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
)

// Limits of the MIME walk: a report is small; anything deeper or wider is
// not a report worth reading further.
const (
	maxDepth = 8
	maxParts = 64
)

// field is one header field, its value unfolded.
type field struct {
	name  string // lowercased
	value string
}

// header is a parsed header block, in order.
type header []field

// get returns the first value of the field name (lowercase), or "".
func (h header) get(name string) string {
	for _, f := range h {
		if f.name == name {
			return f.value
		}
	}
	return ""
}

// all returns every value of the field name (lowercase).
func (h header) all(name string) []string {
	var vs []string
	for _, f := range h {
		if f.name == name {
			vs = append(vs, f.value)
		}
	}
	return vs
}

// splitLines splits b into lines without their line endings.
func splitLines(b []byte) []string {
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	return strings.Split(s, "\n")
}

// parseHeader reads the header block at the start of b and returns it with
// the body after the blank line. Lines that are neither a field nor a
// continuation (an mbox "From " line, garbage) are skipped.
func parseHeader(b []byte) (header, []byte) {
	var h header
	for len(b) > 0 {
		line, rest, _ := bytes.Cut(b, []byte("\n"))
		b = rest
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && len(h) > 0 {
			last := &h[len(h)-1]
			last.value = strings.TrimSpace(last.value + " " + strings.TrimSpace(string(line)))
			continue
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !validFieldName(name) {
			continue
		}
		h = append(h, field{strings.ToLower(string(name)), strings.TrimSpace(string(value))})
	}
	return h, b
}

func validFieldName(n []byte) bool {
	if len(n) == 0 || len(n) > 76 {
		return false
	}
	for _, c := range n {
		if c <= ' ' || c >= 127 {
			return false
		}
	}
	return true
}

// entity is one leaf of a message's MIME tree.
type entity struct {
	ctype  string // lowercased media type, "text/plain" when absent
	params map[string]string
	header header
	body   []byte // transfer encoding removed; text/* converted to UTF-8
	typed  bool   // the entity had a Content-Type field
}

// walk appends the leaves of the entity (h, body) to out. message/* parts
// are leaves: a quoted original is read as a header, never descended into,
// so that a bounce of a bounce reports only the outer one.
func walk(h header, body []byte, depth int, out *[]entity) {
	if len(*out) >= maxParts {
		return
	}
	ct, params, typed := contentType(h)
	if strings.HasPrefix(ct, "multipart/") && depth < maxDepth {
		if parts := splitMultipart(body, params["boundary"]); len(parts) > 0 {
			for _, p := range parts {
				ph, pb := parseHeader(p)
				walk(ph, pb, depth+1, out)
			}
			return
		}
		ct, typed = "text/plain", false // no boundary anywhere: read it as text
	}
	e := entity{ctype: ct, params: params, header: h, typed: typed}
	e.body = decodeTransfer(h.get("content-transfer-encoding"), body)
	if strings.HasPrefix(ct, "text/") {
		e.body = toUTF8(e.body, params["charset"])
	}
	*out = append(*out, e)
}

func contentType(h header) (string, map[string]string, bool) {
	v := h.get("content-type")
	if v == "" {
		return "text/plain", map[string]string{}, false
	}
	ct, params, err := mime.ParseMediaType(v)
	if err != nil {
		// A sloppy field: take the type before ';' and a boundary by hand.
		ct = strings.ToLower(strings.TrimSpace(strings.SplitN(v, ";", 2)[0]))
		params = map[string]string{}
		if i := strings.Index(asciiLower([]byte(v)), "boundary="); i >= 0 {
			b := strings.TrimSpace(v[i+len("boundary="):])
			b = strings.SplitN(b, ";", 2)[0]
			params["boundary"] = strings.Trim(strings.TrimSpace(b), `"`)
		}
	}
	if !strings.Contains(ct, "/") {
		ct = "text/plain"
	}
	return ct, params, true
}

// splitMultipart returns the bodies between the boundary lines. A missing
// closing delimiter ends the last part at the end of the input; with no
// boundary parameter the first "--token" line is taken as the boundary.
func splitMultipart(body []byte, boundary string) [][]byte {
	lines := bytes.SplitAfter(body, []byte("\n"))
	if boundary == "" {
		boundary = guessBoundary(lines)
		if boundary == "" {
			return nil
		}
	}
	delim := []byte("--" + boundary)
	var parts [][]byte
	var cur []byte
	in := false
	for _, l := range lines {
		t := bytes.TrimRight(l, " \t\r\n")
		if bytes.HasPrefix(t, delim) {
			if in {
				parts = append(parts, cur)
			}
			if bytes.Equal(t, append(delim, '-', '-')) {
				return parts
			}
			in, cur = true, nil
			continue
		}
		if in {
			cur = append(cur, l...)
		}
	}
	if in && len(cur) > 0 {
		parts = append(parts, cur)
	}
	return parts
}

func guessBoundary(lines [][]byte) string {
	for _, l := range lines {
		t := bytes.TrimSpace(l)
		if len(t) > 3 && bytes.HasPrefix(t, []byte("--")) && !bytes.ContainsAny(t, " \t") {
			return string(bytes.TrimSuffix(t[2:], []byte("--")))
		}
	}
	return ""
}

// decodeTransfer removes a base64 or quoted-printable encoding, keeping
// what decodes when the rest is broken.
func decodeTransfer(cte string, b []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return decodeBase64(b)
	case "quoted-printable":
		out, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
		if len(out) == 0 && len(b) > 0 {
			return b
		}
		return out
	}
	return b
}

func decodeBase64(b []byte) []byte {
	clean := make([]byte, 0, len(b))
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		case c == '=':
			goto done
		}
	}
done:
	if len(clean)%4 == 1 { // a lone trailing character cannot decode
		clean = clean[:len(clean)-1]
	}
	out, err := base64.RawStdEncoding.DecodeString(string(clean))
	if err != nil {
		return b
	}
	return out
}

// toUTF8 converts text in charset to UTF-8; unknown charsets and invalid
// bytes are kept as valid UTF-8 replacement runes.
func toUTF8(b []byte, charset string) []byte {
	cs := strings.ToLower(strings.TrimSpace(charset))
	if cs != "" && cs != "utf-8" && cs != "us-ascii" && cs != "ascii" {
		if enc, err := htmlindex.Get(cs); err == nil {
			if out, err := enc.NewDecoder().Bytes(b); err == nil {
				b = out
			}
		}
	}
	if !utf8.Valid(b) {
		b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	return b
}

// wordDecoder decodes RFC 2047 encoded words in header values.
var wordDecoder = &mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(cs)
	if err != nil {
		return nil, err
	}
	return enc.NewDecoder().Reader(r), nil
}}

// decodeWords returns v with its encoded words decoded, or v itself.
func decodeWords(v string) string {
	if !strings.Contains(v, "=?") {
		return v
	}
	if d, err := wordDecoder.DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// asciiLower lowercases the ASCII letters of b only, so that an index
// into the result is one into b (strings.ToLower can change the length of
// some non-ASCII text).
func asciiLower(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return string(out)
}
