package intake

import (
	"bytes"
	"time"
)

// Header is what one pass over a message's header section finds.
type Header struct {
	// Len is the length of the header section: its fields with their
	// continuation lines, through the line ending of the last one,
	// without the empty line that ends it. The section ends at the empty
	// line, or at the first line that is neither a field ("name:" with an
	// RFC 5322 field name) nor a continuation: a message whose first line
	// is not a field has no header section (0), and its first line is
	// body, not a header.
	Len int
	// Received counts the Received: fields (RFC 5321 6.3: a message that
	// passed through too many hops is looping).
	Received int
	// Date and MessageID: the fields are there.
	Date, MessageID bool
}

// ScanHeader reads the header section at the start of msg (CRLF or LF
// lines). Field names are matched without case, white space before the
// colon allowed (RFC 5322 obsolete syntax).
func ScanHeader(msg []byte) Header {
	var h Header
	for h.Len < len(msg) {
		end := bytes.IndexByte(msg[h.Len:], '\n')
		if end < 0 {
			end = len(msg)
		} else {
			end += h.Len + 1
		}
		line := msg[h.Len:end]
		switch {
		case len(line) == 0 || line[0] == '\r' || line[0] == '\n':
			return h
		case line[0] == ' ' || line[0] == '\t':
			if h.Len == 0 {
				return h
			}
		case !h.field(line):
			return h
		}
		h.Len = end
	}
	return h
}

// field notes what line, a field's first line, is; false when it is not
// a field.
func (h *Header) field(line []byte) bool {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return false
	}
	name := line[:colon]
	for len(name) > 0 && (name[len(name)-1] == ' ' || name[len(name)-1] == '\t') {
		name = name[:len(name)-1]
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	switch len(name) {
	case 0:
		return false
	case len("date"):
		h.Date = h.Date || bytes.EqualFold(name, []byte("date"))
	case len("received"):
		if bytes.EqualFold(name, []byte("received")) {
			h.Received++
		}
	case len("message-id"):
		h.MessageID = h.MessageID || bytes.EqualFold(name, []byte("message-id"))
	}
	return true
}

// HeaderLen returns ScanHeader(msg).Len.
func HeaderLen(msg []byte) int { return ScanHeader(msg).Len }

// CountReceived returns how many Received: fields the header section at
// the start of header holds.
func CountReceived(header []byte) int { return ScanHeader(header).Received }

// MaxHops returns Options.MaxHops (0: no check).
func (in *Intake) MaxHops() int { return in.opts().MaxHops }

// Loops reports whether a message with header h has passed through more
// hops than Options.MaxHops allows (never when MaxHops is 0).
func (in *Intake) Loops(h Header) bool {
	return in.opts().MaxHops > 0 && h.Received > in.opts().MaxHops
}

// NeedsSeparator reports whether msg, after a header section of hdrLen
// bytes, lacks the empty line before its body: fields added in front of
// it must then be followed by one, or the body's first line would read as
// a header.
func NeedsSeparator(msg []byte, hdrLen int) bool {
	rest := msg[hdrLen:]
	return len(rest) > 0 && rest[0] != '\r' && rest[0] != '\n'
}

// AppendMissingFields appends the Date and Message-ID fields a message
// with header h lacks (RFC 5322 3.6 requires Date and recommends
// Message-ID), as Postfix's cleanup adds them for its local clients:
// msgID is the id without angle brackets, now the reception time. A door
// adds them only for submission clients (authenticated, or in networks
// the operator names): a relaying MTA's message is passed on as it came.
func AppendMissingFields(b []byte, h Header, msgID string, now time.Time) []byte {
	if !h.Date {
		b = append(b, "Date: "...)
		b = now.AppendFormat(b, time.RFC1123Z)
		b = append(b, "\r\n"...)
	}
	if !h.MessageID {
		b = append(b, "Message-ID: <"...)
		b = append(b, msgID...)
		b = append(b, ">\r\n"...)
	}
	return b
}
