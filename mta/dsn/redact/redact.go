package redact

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"net/textproto"
	"strings"
)

// returnedTypes are the parts of a report that carry the original
// message or its header (RFC 6522 section 3, the optional third part;
// RFC 6533 for internationalized mail).
var returnedTypes = map[string]bool{
	"text/rfc822-headers": true, "message/rfc822": true,
	"message/global": true, "message/global-headers": true,
}

// Report returns a multipart/report message (a delivery status
// notification, ours or another MTA's) without the parts that return the
// original message or its header: what may travel without REQUIRETLS when
// the report is about a REQUIRETLS message (RFC 8689 section 5). The
// human-readable part and the machine-readable status stay. ok is false
// when msg is not a multipart/report whose parts can be told apart; msg
// is not changed.
func Report(msg []byte) (out []byte, ok bool) {
	end := bytes.Index(msg, []byte("\r\n\r\n"))
	if end < 0 {
		return nil, false
	}
	head, body := msg[:end+4], msg[end+4:]
	boundary, ok := reportBoundary(head)
	if !ok {
		return nil, false
	}
	preamble, parts, closing, ok := splitParts(body, boundary)
	if !ok {
		return nil, false
	}
	out = append(append(make([]byte, 0, len(msg)), head...), preamble...)
	for _, p := range parts {
		if !returned(p) {
			out = append(out, p...)
		}
	}
	return append(out, closing...), true
}

// reportBoundary is the boundary of a multipart/report header block.
func reportBoundary(head []byte) (string, bool) {
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(head))).ReadMIMEHeader()
	if err != nil {
		return "", false
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/report" || params["boundary"] == "" {
		return "", false
	}
	return params["boundary"], true
}

// splitParts cuts a multipart body at its delimiter lines (RFC 2046
// section 5.1.1): what comes before the first, each part from its
// delimiter line on, and the close delimiter with what follows it. ok is
// false without a close delimiter.
func splitParts(body []byte, boundary string) (preamble []byte, parts [][]byte, closing []byte, ok bool) {
	delim, start := "--"+boundary, -1
	for i := 0; i < len(body); {
		next := bytes.IndexByte(body[i:], '\n')
		if next < 0 {
			next = len(body)
		} else {
			next += i + 1
		}
		line := strings.TrimRight(string(body[i:next]), " \t\r\n")
		if line == delim || line == delim+"--" {
			if start < 0 {
				preamble = body[:i]
			} else {
				parts = append(parts, body[start:i])
			}
			if line == delim+"--" {
				return preamble, parts, body[i:], true
			}
			start = i
		}
		i = next
	}
	return nil, nil, nil, false
}

// returned says whether a part (from its delimiter line on) is one of
// returnedTypes, or cannot be told from one: a part whose header or
// Content-Type does not parse goes too. A part without a Content-Type is
// text/plain.
func returned(part []byte) bool {
	nl := bytes.IndexByte(part, '\n')
	if nl < 0 {
		return false // the delimiter line alone: an empty part
	}
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(part[nl+1:]))).ReadMIMEHeader()
	if err != nil && !errors.Is(err, io.EOF) {
		return true
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err != nil || returnedTypes[mt]
}
