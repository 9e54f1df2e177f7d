package intake

import (
	"bytes"
	"time"
)

// Looping reports whether a header section holds more Received: fields
// than Options.MaxHops allows (never when MaxHops is 0).
func (in *Intake) Looping(header []byte) bool {
	return in.opts.MaxHops > 0 && CountReceived(header) > in.opts.MaxHops
}

// MaxHops returns Options.MaxHops (0: no check).
func (in *Intake) MaxHops() int { return in.opts.MaxHops }

// CountReceived returns how many Received: fields the header block holds
// (RFC 5321 6.3: a message that passed through too many hops is looping).
// header is the header section, fields CRLF- or LF-terminated; folded
// lines are not fields of their own. Field names are matched without case,
// white space before the colon allowed (RFC 5322 obsolete syntax).
func CountReceived(header []byte) int {
	n := 0
	for len(header) > 0 {
		line := header
		if i := bytes.IndexByte(header, '\n'); i >= 0 {
			line, header = header[:i], header[i+1:]
		} else {
			header = nil
		}
		if fieldIs(line, "received") {
			n++
		}
	}
	return n
}

// HeaderLen returns the length of the header section at the start of
// msg: its fields with their continuation lines, through the line ending
// of the last one, without the empty line that ends it. The section ends
// at the empty line, or at the first line that is neither a field
// ("name:" with an RFC 5322 field name) nor a continuation: a message
// whose first line is not a field has no header section (0), and its
// first line is body, not a header.
func HeaderLen(msg []byte) int {
	at := 0
	for at < len(msg) {
		end := bytes.IndexByte(msg[at:], '\n')
		if end < 0 {
			end = len(msg)
		} else {
			end += at + 1
		}
		line := bytes.TrimRight(msg[at:end], "\r\n")
		switch {
		case len(line) == 0:
			return at
		case line[0] == ' ' || line[0] == '\t':
			if at == 0 {
				return 0
			}
		case !isFieldLine(line):
			return at
		}
		at = end
	}
	return at
}

func isFieldLine(line []byte) bool {
	colon := bytes.IndexByte(line, ':')
	return colon > 0 && IsFieldName(string(bytes.TrimRight(line[:colon], " \t")))
}

// NeedsSeparator reports whether msg, after a header section of hdrLen
// bytes, lacks the empty line before its body: fields added in front of
// it must then be followed by one, or the body's first line would read as
// a header.
func NeedsSeparator(msg []byte, hdrLen int) bool {
	rest := msg[hdrLen:]
	return len(rest) > 0 && !bytes.HasPrefix(rest, []byte("\r\n")) && !bytes.HasPrefix(rest, []byte("\n"))
}

// AppendMissingFields appends the Date and Message-ID fields header lacks
// (RFC 5322 3.6 requires Date and recommends Message-ID), as Postfix's
// cleanup adds them for its local clients: msgID is the id without angle
// brackets, now the reception time. A door adds them only for submission
// clients (authenticated, or in networks the operator names): a relaying
// MTA's message is passed on as it came.
func AppendMissingFields(b, header []byte, msgID string, now time.Time) []byte {
	date, id := false, false
	for len(header) > 0 && !(date && id) {
		line := header
		if i := bytes.IndexByte(header, '\n'); i >= 0 {
			line, header = header[:i], header[i+1:]
		} else {
			header = nil
		}
		date = date || fieldIs(line, "date")
		id = id || fieldIs(line, "message-id")
	}
	if !date {
		b = append(b, "Date: "...)
		b = now.AppendFormat(b, time.RFC1123Z)
		b = append(b, "\r\n"...)
	}
	if !id {
		b = append(b, "Message-ID: <"...)
		b = append(b, msgID...)
		b = append(b, ">\r\n"...)
	}
	return b
}

// fieldIs reports whether line is a field called name (lower case).
func fieldIs(line []byte, name string) bool {
	if len(line) <= len(name) || !bytes.EqualFold(line[:len(name)], []byte(name)) {
		return false
	}
	rest := bytes.TrimLeft(line[len(name):], " \t")
	return len(rest) > 0 && rest[0] == ':'
}
