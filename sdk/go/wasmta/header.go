package wasmta

import "strings"

// HeaderValue returns the first header field named name (case-insensitive)
// of the raw header block, unfolded and with surrounding whitespace
// removed: the value the host gives for the ABI key header.NAME.
func (in *MessageInput) HeaderValue(name string) (string, bool) {
	rest := in.Header
	for rest != "" {
		line, after := cutLine(rest)
		rest = after
		colon := strings.IndexByte(line, ':')
		if colon <= 0 || !strings.EqualFold(strings.TrimRight(line[:colon], " \t"), name) {
			continue
		}
		value := line[colon+1:]
		// Continuation lines start with whitespace (RFC 5322 folding).
		for rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			var cont string
			cont, rest = cutLine(rest)
			value += cont
		}
		return strings.TrimSpace(value), true
	}
	return "", false
}

// cutLine splits s at the first line ending (CRLF or LF).
func cutLine(s string) (line, rest string) {
	i := strings.IndexByte(s, '\n')
	if i < 0 {
		return s, ""
	}
	return strings.TrimSuffix(s[:i], "\r"), s[i+1:]
}
