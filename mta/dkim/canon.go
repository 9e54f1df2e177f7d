package dkim

import (
	"bytes"
	"hash"
)

// bodyFlush is how much canonical body is gathered before a hash write.
const bodyFlush = 16 << 10

// appendRelaxedField appends the relaxed canonical form (RFC 6376 section
// 3.4.2) of the field f to dst: lower-case name, unfolded value, runs of
// WSP reduced to one space, no WSP around the colon or at the end, CRLF.
func appendRelaxedField(dst, f []byte, colon int) []byte {
	for _, c := range bytes.TrimRight(f[:colon], " \t") {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	dst = append(dst, ':')
	wsp, started := false, false
	for _, c := range f[colon+1:] {
		switch c {
		case '\r', '\n': // unfolding; the WSP after the break is what counts
			continue
		case ' ', '\t':
			wsp = true
			continue
		}
		if wsp && started {
			dst = append(dst, ' ')
		}
		wsp, started = false, true
		dst = append(dst, c)
	}
	return append(dst, '\r', '\n')
}

// hashRelaxedBody writes the relaxed canonical body (RFC 6376 section 3.4.4)
// to h: WSP at line ends dropped, WSP runs reduced to one space, empty lines
// at the end dropped, a final CRLF added to a non-empty body. buf is scratch
// space, returned for reuse.
func hashRelaxedBody(h hash.Hash, body, buf []byte) []byte {
	buf = buf[:0]
	empty := 0
	for len(body) > 0 {
		line := body
		body = nil
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line, body = line[:i], line[i+1:]
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
		}
		line = bytes.TrimRight(line, " \t")
		if len(line) == 0 {
			empty++ // held back until a non-empty line shows it is not trailing
			continue
		}
		for ; empty > 0; empty-- {
			buf = append(buf, '\r', '\n')
		}
		if len(line) >= bodyFlush && !hasWSPRun(line) {
			// A huge line (base64 without breaks) goes straight to the hash,
			// so that the pooled buffer stays small.
			h.Write(buf)
			h.Write(line)
			buf = buf[:0]
		} else {
			buf = appendReducedWSP(buf, line)
		}
		buf = append(buf, '\r', '\n')
		if len(buf) >= bodyFlush {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	h.Write(buf)
	return buf[:0]
}

// appendReducedWSP appends line with each run of SP/HTAB reduced to one SP.
// Most lines (base64, quoted-printable, prose) have none, and are copied
// whole.
func appendReducedWSP(dst, line []byte) []byte {
	if !hasWSPRun(line) {
		return append(dst, line...)
	}
	wsp := false
	for _, c := range line {
		if c == ' ' || c == '\t' {
			wsp = true
			continue
		}
		if wsp {
			dst = append(dst, ' ')
			wsp = false
		}
		dst = append(dst, c)
	}
	return dst
}

// hasWSPRun reports a tab or two spaces in a row: what relaxed body
// canonicalisation changes inside a line.
func hasWSPRun(line []byte) bool {
	return bytes.IndexByte(line, '\t') >= 0 || bytes.Contains(line, doubleSpace)
}

var doubleSpace = []byte("  ")
