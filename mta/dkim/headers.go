package dkim

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// defaultHeaders is the signed header list. A name's first appearance signs
// every instance the message has; each further appearance adds one more
// entry to h= than there are instances ("over-signing", RFC 6376 section
// 8.15), so that nobody can add that field later without breaking the
// signature: a second From or Subject shown by a mail client instead of the
// signed one is the classic DKIM replay trick.
var defaultHeaders = []string{
	"from", "reply-to", "subject", "date", "to", "cc", "message-id",
	"in-reply-to", "references", "mime-version", "content-type",
	"content-transfer-encoding", "content-disposition", "sender",
	"list-id", "list-unsubscribe", "list-unsubscribe-post", "feedback-id",
	// over-signed
	"from", "to", "cc", "subject", "reply-to",
}

// DefaultHeaders returns a copy of the default signed header list. Absent
// fields cost nothing; fields missing from the list (Received, Return-Path,
// X-*) are left unsigned because relays legitimately add or rewrite them.
func DefaultHeaders() []string { return append([]string(nil), defaultHeaders...) }

// headerPlan is a header list compiled once per key.
type headerPlan struct {
	names   []string       // distinct lower-case names, in order of first appearance
	index   map[string]int // name -> position in names
	entries []planEntry
}

type planEntry struct {
	name  int
	first bool // first appearance: sign all instances; else one over-signing entry
}

func newHeaderPlan(list []string) (*headerPlan, error) {
	p := &headerPlan{index: make(map[string]int, len(list))}
	for _, raw := range list {
		name := strings.ToLower(strings.TrimSpace(raw))
		if err := checkFieldName(name); err != nil {
			return nil, err
		}
		i, seen := p.index[name]
		if !seen {
			i = len(p.names)
			p.index[name] = i
			p.names = append(p.names, name)
		}
		p.entries = append(p.entries, planEntry{name: i, first: !seen})
	}
	if _, ok := p.index["from"]; !ok {
		return nil, errors.New("header list must include From (RFC 6376 section 5.4)")
	}
	return p, nil
}

func checkFieldName(name string) error {
	if name == "" {
		return errors.New("empty header name in header list")
	}
	if name == "dkim-signature" {
		return errors.New("DKIM-Signature cannot be in the header list")
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 127 || c == ':' {
			return fmt.Errorf("bad header name %q in header list", name)
		}
	}
	return nil
}

// field is one header field of the message: msg[start:end] without its
// final line break, colon the index of its first ':'.
type field struct {
	start, colon, end int
}

// splitHeader appends the fields of the header block at the start of msg and
// returns where the body starts (after the empty line; len(msg) without one).
// Bare LF line ends are accepted like CRLF ones.
func splitHeader(msg []byte, fields []field) ([]field, int) {
	pos := 0
	for pos < len(msg) {
		lineEnd, next := len(msg), len(msg)
		if i := bytes.IndexByte(msg[pos:], '\n'); i >= 0 {
			lineEnd, next = pos+i, pos+i+1
			if lineEnd > pos && msg[lineEnd-1] == '\r' {
				lineEnd--
			}
		}
		switch {
		case lineEnd == pos:
			return fields, next
		case msg[pos] == ' ' || msg[pos] == '\t':
			if len(fields) > 0 { // a continuation line; one without a field is dropped
				fields[len(fields)-1].end = lineEnd
			}
		default:
			colon := bytes.IndexByte(msg[pos:lineEnd], ':')
			if colon >= 0 {
				fields = append(fields, field{start: pos, colon: pos + colon, end: lineEnd})
			}
		}
		pos = next
	}
	return fields, len(msg)
}

// fieldName appends the lower-case name of f to dst.
func fieldName(dst, msg []byte, f field) []byte {
	for _, c := range bytes.TrimRight(msg[f.start:f.colon], " \t") {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
