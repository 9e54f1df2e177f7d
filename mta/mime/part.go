package mime

import (
	"errors"
	"fmt"
	stdmime "mime"
	"path"
	"strings"
)

// Attachment is a file to attach, or, with a ContentID, an inline part of
// the HTML body (an image the HTML shows with src="cid:ContentID").
type Attachment struct {
	Filename string
	// ContentType is a media type such as "application/pdf"; "" takes it
	// from the file name's extension, else application/octet-stream.
	ContentType string
	ContentID   string // without angle brackets; "" = an attachment
	Data        []byte
}

// Part is an Attachment encoded once (base64), ready to go into any number
// of messages.
type Part struct {
	inline bool
	b      []byte // header fields, empty line, base64 body
}

// Inline reports whether p is an inline part (it has a Content-ID).
func (p *Part) Inline() bool { return p.inline }

// Size is the encoded size of p.
func (p *Part) Size() int { return len(p.b) }

// Errors of NewPart, wrapped with the detail.
var (
	ErrBadFilename    = errors.New("mime: bad file name")
	ErrBadContentType = errors.New("mime: bad content type")
	ErrBadContentID   = errors.New("mime: bad content id")
)

// MaxFilename is the longest file name accepted, in bytes: with RFC 2231
// encoding even a name of multi-byte characters stays on one line.
const MaxFilename = 255

// NewPart checks a and encodes it.
func NewPart(a Attachment) (*Part, error) {
	ct, err := contentType(a)
	if err != nil {
		return nil, err
	}
	if err := checkFilename(a.Filename); err != nil {
		return nil, err
	}
	disp := "attachment"
	p := &Part{}
	var b []byte
	b = appendParams(b, "Content-Type", ct)
	if a.ContentID != "" {
		if err := checkContentID(a.ContentID); err != nil {
			return nil, err
		}
		disp = "inline"
		p.inline = true
		b = append(b, "Content-ID: <"...)
		b = append(b, a.ContentID...)
		b = append(b, ">\r\n"...)
	}
	if a.Filename != "" {
		disp = stdmime.FormatMediaType(disp, map[string]string{"filename": a.Filename})
	}
	b = appendParams(b, "Content-Disposition", disp)
	b = append(b, "Content-Transfer-Encoding: base64\r\n\r\n"...)
	p.b = append(b, encodeBase64(a.Data)...)
	return p, nil
}

// contentType returns the Content-Type value of a: the given type (with a
// name parameter carrying the file name, which older readers use), or one
// guessed from the extension.
func contentType(a Attachment) (string, error) {
	ct := a.ContentType
	if ct == "" {
		ct = stdmime.TypeByExtension(strings.ToLower(path.Ext(a.Filename)))
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	mt, params, err := stdmime.ParseMediaType(ct)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrBadContentType, ct, err)
	}
	if strings.HasPrefix(mt, "multipart/") || strings.HasPrefix(mt, "message/") {
		return "", fmt.Errorf("%w: %q cannot be sent base64-encoded (RFC 2046); send the message as raw", ErrBadContentType, mt)
	}
	if a.Filename != "" {
		params["name"] = a.Filename
	}
	out := stdmime.FormatMediaType(mt, params)
	if out == "" {
		return "", fmt.Errorf("%w: %q", ErrBadContentType, ct)
	}
	return out, nil
}

func checkFilename(n string) error {
	switch {
	case len(n) > MaxFilename:
		return fmt.Errorf("%w: %d bytes, more than %d", ErrBadFilename, len(n), MaxFilename)
	case strings.ContainsAny(n, "\r\n\x00/\\"):
		return fmt.Errorf("%w: %q holds a line break, NUL or a path separator", ErrBadFilename, n)
	}
	return nil
}

// checkContentID accepts what fits in <...> as an RFC 5322 msg-id: a
// left and a right part of printable ASCII without brackets or spaces
// (most senders use "name@domain"; a plain token is accepted too).
func checkContentID(id string) error {
	if id == "" || len(id) > 250 {
		return fmt.Errorf("%w: %q: want 1 to 250 characters", ErrBadContentID, id)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("<>()[]\\,;:\"", c) >= 0 {
			return fmt.Errorf("%w: %q: printable ASCII without spaces, brackets, quotes or ,;:\\", ErrBadContentID, id)
		}
	}
	return nil
}
