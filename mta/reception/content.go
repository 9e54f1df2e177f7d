package reception

import (
	"bytes"
	"strings"
)

const maxCampaignLen = 128

// findField finds every field called name (case-insensitively) in the
// header block hdr. It returns the unfolded value of the first one (when
// it is a usable campaign name) and the byte ranges of all of them,
// continuation lines included, for removal, appended to spans.
func findField(hdr []byte, name string, spans []span) (string, []span) {
	value := ""
	fieldStart := -1 // start of the matching field being scanned, -1 if none
	for at := 0; at < len(hdr); {
		end := bytes.IndexByte(hdr[at:], '\n')
		if end < 0 {
			end = len(hdr)
		} else {
			end += at + 1
		}
		line := hdr[at:end]
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			at = end // continuation of the previous field
			continue
		}
		if fieldStart >= 0 {
			spans = append(spans, span{fieldStart, at})
			fieldStart = -1
		}
		if colon := bytes.IndexByte(line, ':'); colon > 0 &&
			equalFoldASCII(bytes.TrimRight(line[:colon], " \t"), name) {
			fieldStart = at
		}
		at = end
	}
	if fieldStart >= 0 {
		spans = append(spans, span{fieldStart, len(hdr)})
	}
	if len(spans) > 0 {
		value = campaignValue(hdr[spans[0].start:spans[0].end])
	}
	return value, spans
}

func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lowerASCII(b[i]) != lowerASCII(s[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// campaignValue unfolds a field's value, collapses white space, and keeps
// it only when it is 1 to 128 printable ASCII characters: it becomes part
// of queue names.
func campaignValue(field []byte) string {
	v := field[bytes.IndexByte(field, ':')+1:]
	var b strings.Builder
	space := false // collapse folding and runs of white space to one space
	for _, c := range v {
		switch {
		case c == '\r' || c == '\n' || c == '\t' || c == ' ':
			space = b.Len() > 0
		case c < 0x20 || c >= 0x7f:
			return ""
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteByte(c)
		}
	}
	out := b.String()
	if len(out) > maxCampaignLen {
		return ""
	}
	return out
}

// countBareLineEndings counts CRs and LFs that are not part of a CRLF.
func countBareLineEndings(b []byte) int {
	pairs := bytes.Count(b, crlf)
	return bytes.Count(b, []byte{'\r'}) + bytes.Count(b, []byte{'\n'}) - 2*pairs
}

// normalizeLineEndings appends src to dst with every line ending made CRLF:
// a bare LF or a bare CR ends a line, and a run of CRs before an LF
// ("\r\r\n", a common double-conversion artefact) is one line ending.
func normalizeLineEndings(dst, src []byte) []byte {
	for len(src) > 0 {
		i := indexCRorLF(src)
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		src = src[i:]
		if src[0] == '\n' {
			dst = append(dst, crlf...)
			src = src[1:]
			continue
		}
		crs := 0
		for crs < len(src) && src[crs] == '\r' {
			crs++
		}
		if crs < len(src) && src[crs] == '\n' {
			dst = append(dst, crlf...)
			src = src[crs+1:]
			continue
		}
		for range crs {
			dst = append(dst, crlf...)
		}
		src = src[crs:]
	}
	return dst
}

func indexCRorLF(b []byte) int {
	for i, c := range b {
		if c == '\r' || c == '\n' {
			return i
		}
	}
	return -1
}
