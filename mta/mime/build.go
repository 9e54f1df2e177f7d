package mime

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/intake"
)

// Message is the structured content of one message. Text and HTML are
// rendered already; at least one of them, or a part, must be set.
type Message struct {
	From    Address
	ReplyTo []Address
	To      []Address // the To: field; none = no To: field
	Subject string
	Date    time.Time // zero = now
	// MessageID is the Message-ID without angle brackets; "" = no field.
	MessageID string
	// Headers are extra fields, written in order after the ones above;
	// values are unstructured text (encoded when not ASCII).
	Headers []Field
	Text    string
	HTML    string
	// Parts are attachments and inline parts (see NewPart); inline parts
	// need HTML.
	Parts []*Part
}

// Errors of Build, wrapped with the detail.
var (
	ErrNoBody       = errors.New("mime: no text, html or attachment")
	ErrInlineNoHTML = errors.New("mime: inline parts need an html body")
)

// reserved are the fields Build writes itself; Headers may not set them.
var reserved = []string{"From", "Reply-To", "Subject", "Date", "MIME-Version",
	"Content-Type", "Content-Transfer-Encoding"}

// Reserved reports whether a header field of that name is written by
// Build from the Message's own fields and may not appear in Headers.
func Reserved(name string) bool {
	for _, r := range reserved {
		if strings.EqualFold(r, name) {
			return true
		}
	}
	return false
}

// Build returns m as an RFC 5322 message with CRLF line endings.
func Build(m *Message) ([]byte, error) {
	root, err := m.tree()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, root.size()+1024)
	if b, err = m.appendHeader(b); err != nil {
		return nil, err
	}
	b = append(b, "MIME-Version: 1.0\r\n"...)
	return root.append(b), nil
}

func (m *Message) appendHeader(b []byte) ([]byte, error) {
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	b = append(b, "Date: "...)
	b = date.AppendFormat(b, time.RFC1123Z)
	b = append(b, "\r\n"...)
	var err error
	if b, err = appendAddresses(b, "From", []Address{m.From}); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if len(m.ReplyTo) > 0 {
		if b, err = appendAddresses(b, "Reply-To", m.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
	}
	if len(m.To) > 0 {
		if b, err = appendAddresses(b, "To", m.To); err != nil {
			return nil, fmt.Errorf("to: %w", err)
		}
	}
	if err := CheckValue(m.Subject); err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	b = appendText(b, "Subject", m.Subject)
	if m.MessageID != "" {
		if err := checkContentID(m.MessageID); err != nil {
			return nil, fmt.Errorf("message-id: %w", err)
		}
		b = append(b, "Message-ID: <"...)
		b = append(b, m.MessageID...)
		b = append(b, ">\r\n"...)
	}
	return appendExtra(b, m.Headers)
}

// appendExtra writes the caller's own fields as unstructured text.
func appendExtra(b []byte, fields []Field) ([]byte, error) {
	for _, h := range fields {
		if !intake.ValidFieldName(h.Name) || Reserved(h.Name) {
			return nil, fmt.Errorf("%w: name %q", ErrBadHeader, h.Name)
		}
		if err := CheckValue(h.Value); err != nil {
			return nil, fmt.Errorf("%s: %w", h.Name, err)
		}
		b = appendText(b, h.Name, h.Value)
	}
	return b, nil
}

// node is one MIME entity: a leaf (header fields and encoded body) or a
// multipart with children.
type node struct {
	leaf     []byte // "Content-Type: ...\r\n...\r\n\r\nbody"
	subtype  string // multipart subtype
	params   string // extra Content-Type parameters of a multipart
	boundary string
	kids     []*node
}

// tree arranges the parts: alternative(text, html), inside related(...,
// inline parts), inside mixed(..., attachments), each level only when
// needed.
func (m *Message) tree() (*node, error) {
	inline, attach := m.splitParts()
	if len(inline) > 0 && m.HTML == "" {
		return nil, ErrInlineNoHTML
	}
	var bodies []*node
	if m.Text != "" {
		bodies = append(bodies, textNode("plain", m.Text))
	}
	if m.HTML != "" {
		bodies = append(bodies, textNode("html", m.HTML))
	}
	var root *node
	switch {
	case len(bodies) == 2:
		root = newMultipart("alternative", "", bodies...)
	case len(bodies) == 1:
		root = bodies[0]
	case len(attach) == 0:
		return nil, ErrNoBody
	}
	if len(inline) > 0 {
		typ := "text/html"
		if root.subtype != "" {
			typ = "multipart/alternative"
		}
		root = newMultipart("related", `; type="`+typ+`"`, append([]*node{root}, inline...)...)
	}
	if len(attach) > 0 {
		kids := attach
		if root != nil {
			kids = append([]*node{root}, attach...)
		}
		root = newMultipart("mixed", "", kids...)
	}
	return root, nil
}

// splitParts sorts the parts into inline parts and attachments.
func (m *Message) splitParts() (inline, attach []*node) {
	for _, p := range m.Parts {
		n := &node{leaf: p.b}
		if p.inline {
			inline = append(inline, n)
		} else {
			attach = append(attach, n)
		}
	}
	return inline, attach
}

func textNode(subtype, text string) *node {
	body, enc := encodeText(crlfText(text))
	var b []byte
	b = append(b, "Content-Type: text/"...)
	b = append(b, subtype...)
	b = append(b, "; charset=utf-8\r\nContent-Transfer-Encoding: "...)
	b = append(b, enc...)
	b = append(b, "\r\n\r\n"...)
	return &node{leaf: append(b, body...)}
}

func newMultipart(subtype, params string, kids ...*node) *node {
	return &node{subtype: subtype, params: params, boundary: newBoundary(), kids: kids}
}

func newBoundary() string {
	var r [16]byte
	rand.Read(r[:]) // crypto/rand.Read never fails (Go 1.24+)
	return "=_" + hex.EncodeToString(r[:])
}

func (n *node) size() int {
	if n.subtype == "" {
		return len(n.leaf)
	}
	s := 128
	for _, k := range n.kids {
		s += k.size() + 2*len(n.boundary) + 8
	}
	return s
}

// append writes n as an entity: its header fields, the empty line, its body.
func (n *node) append(b []byte) []byte {
	if n.subtype == "" {
		return append(b, n.leaf...)
	}
	b = append(b, "Content-Type: multipart/"...)
	b = append(b, n.subtype...)
	b = append(b, n.params...)
	b = append(b, ";\r\n boundary=\""...)
	b = append(b, n.boundary...)
	b = append(b, "\"\r\n\r\n"...)
	for _, k := range n.kids {
		b = append(b, "--"...)
		b = append(b, n.boundary...)
		b = append(b, "\r\n"...)
		b = k.append(b)
		// Every body ends with CRLF; this one belongs to the delimiter,
		// so the part's content keeps its own final line ending.
		b = append(b, "\r\n"...)
	}
	b = append(b, "--"...)
	b = append(b, n.boundary...)
	return append(b, "--\r\n"...)
}
