package mime

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	stdmime "mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// entity is a parsed MIME entity: a decoded leaf or a multipart.
type entity struct {
	typ    string // media type
	params map[string]string
	header map[string][]string
	body   []byte // decoded leaf content
	kids   []*entity
}

// shape renders the structure, e.g. "mixed(alternative(plain,html),application/pdf)".
func (e *entity) shape() string {
	if len(e.kids) == 0 {
		return strings.TrimPrefix(e.typ, "text/")
	}
	var ks []string
	for _, k := range e.kids {
		ks = append(ks, k.shape())
	}
	return strings.TrimPrefix(e.typ, "multipart/") + "(" + strings.Join(ks, ",") + ")"
}

// leaves lists the leaf entities depth first.
func (e *entity) leaves() []*entity {
	if len(e.kids) == 0 {
		return []*entity{e}
	}
	var out []*entity
	for _, k := range e.kids {
		out = append(out, k.leaves()...)
	}
	return out
}

// parseMessage reads msg with net/mail and mime/multipart only, the way a
// receiving client would.
func parseMessage(t testing.TB, msg []byte) (*mail.Message, *entity) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v\n%s", err, msg)
	}
	e, err := parseEntity(m.Header, m.Body)
	if err != nil {
		t.Fatalf("MIME structure: %v\n%s", err, msg)
	}
	return m, e
}

func parseEntity(h map[string][]string, body io.Reader) (*entity, error) {
	ct := "text/plain"
	if v := h["Content-Type"]; len(v) > 0 {
		ct = v[0]
	}
	typ, params, err := stdmime.ParseMediaType(ct)
	if err != nil {
		return nil, fmt.Errorf("content-type %q: %w", ct, err)
	}
	e := &entity{typ: typ, params: params, header: h}
	if !strings.HasPrefix(typ, "multipart/") {
		e.body, err = decodeBody(h, body)
		return e, err
	}
	r := multipart.NewReader(body, params["boundary"])
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			return e, nil
		}
		if err != nil {
			return nil, err
		}
		k, err := parseEntity(p.Header, p)
		if err != nil {
			return nil, err
		}
		e.kids = append(e.kids, k)
	}
}

func decodeBody(h map[string][]string, body io.Reader) ([]byte, error) {
	var cte string
	if v := h["Content-Transfer-Encoding"]; len(v) > 0 {
		cte = strings.ToLower(v[0])
	}
	switch cte {
	case "base64":
		return io.ReadAll(base64.NewDecoder(base64.StdEncoding, body))
	case "quoted-printable":
		return io.ReadAll(quotedprintable.NewReader(body))
	case "", "7bit":
		return io.ReadAll(body)
	}
	return nil, fmt.Errorf("unexpected transfer encoding %q", cte)
}

// checkLines: every line ends with CRLF and fits in 998 characters; lines
// of encoded bodies fit in 76.
func checkLines(t testing.TB, msg []byte) {
	t.Helper()
	if !bytes.HasSuffix(msg, []byte("\r\n")) {
		t.Errorf("message does not end with CRLF")
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(msg, []byte("\r\n")), []byte("\r\n")) {
		if bytes.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > maxLine {
			t.Errorf("line %d is %d characters long", i+1, len(line))
		}
	}
}

var (
	png  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + strings.Repeat("\x00\xff\r\n", 100))
	pdf  = bytes.Repeat([]byte("%PDF-1.7 \x00\x01\x02 binary \r\n\n\r"), 500)
	when = time.Date(2025, 11, 4, 10, 0, 0, 0, time.UTC)
)

func mustPart(t testing.TB, a Attachment) *Part {
	t.Helper()
	p, err := NewPart(a)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStructure(t *testing.T) {
	img := Attachment{Filename: "logo.png", ContentID: "logo@example.com", Data: png}
	doc := Attachment{Filename: "report.pdf", Data: pdf}
	tests := []struct {
		name       string
		text, html string
		parts      []Attachment
		shape      string
	}{
		{"text", "hello\n", "", nil, "plain"},
		{"html", "", "<p>hello</p>", nil, "html"},
		{"text and html", "hello", "<p>hello</p>", nil, "alternative(plain,html)"},
		{"html and inline", "", `<img src="cid:logo@example.com">`, []Attachment{img}, "related(html,image/png)"},
		{"text, html, inline", "hi", `<img src="cid:logo@example.com">`, []Attachment{img},
			"related(alternative(plain,html),image/png)"},
		{"text and attachment", "hi", "", []Attachment{doc}, "mixed(plain,application/pdf)"},
		{"attachment only", "", "", []Attachment{doc}, "mixed(application/pdf)"},
		{"everything", "hi", `<img src="cid:logo@example.com">`, []Attachment{img, doc},
			"mixed(related(alternative(plain,html),image/png),application/pdf)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Message{From: Address{Addr: "a@example.com"}, Subject: "s", Date: when,
				MessageID: "1@example.com", Text: tt.text, HTML: tt.html}
			for _, a := range tt.parts {
				m.Parts = append(m.Parts, mustPart(t, a))
			}
			msg, err := Build(m)
			if err != nil {
				t.Fatal(err)
			}
			checkLines(t, msg)
			_, e := parseMessage(t, msg)
			if got := e.shape(); got != tt.shape {
				t.Fatalf("structure %s, want %s\n%s", got, tt.shape, msg)
			}
			checkLeaves(t, e, tt.text, tt.html, tt.parts)
		})
	}
}

// checkLeaves: bodies read back as written (line endings made CRLF) and
// parts byte for byte, with their names and content ids.
func checkLeaves(t *testing.T, e *entity, text, html string, parts []Attachment) {
	t.Helper()
	for _, l := range e.leaves() {
		switch l.typ {
		case "text/plain":
			if got, want := string(l.body), string(crlfText(text)); strings.TrimSuffix(got, "\r\n") != strings.TrimSuffix(want, "\r\n") {
				t.Errorf("text = %q, want %q", got, want)
			}
		case "text/html":
			if got := string(l.body); strings.TrimSuffix(got, "\r\n") != strings.TrimSuffix(html, "\r\n") {
				t.Errorf("html = %q, want %q", got, html)
			}
		default:
			a := findPart(parts, l)
			if a == nil {
				t.Fatalf("unexpected part %s %v", l.typ, l.header)
			}
			if !bytes.Equal(l.body, a.Data) {
				t.Errorf("%s: %d bytes back, want %d, not the same bytes", a.Filename, len(l.body), len(a.Data))
			}
		}
	}
}

func findPart(parts []Attachment, l *entity) *Attachment {
	_, dp, _ := stdmime.ParseMediaType(strings.Join(l.header["Content-Disposition"], ""))
	for i, a := range parts {
		if dp["filename"] != a.Filename {
			continue
		}
		if a.ContentID != "" && strings.Join(l.header["Content-Id"], "") != "<"+a.ContentID+">" {
			continue
		}
		return &parts[i]
	}
	return nil
}

func TestBuildErrors(t *testing.T) {
	img := mustPart(t, Attachment{Filename: "a.png", ContentID: "a", Data: png})
	tests := []struct {
		name string
		m    Message
		want error
	}{
		{"no body", Message{From: Address{Addr: "a@b.c"}}, ErrNoBody},
		{"inline without html", Message{From: Address{Addr: "a@b.c"}, Text: "x", Parts: []*Part{img}}, ErrInlineNoHTML},
		{"reserved header", Message{From: Address{Addr: "a@b.c"}, Text: "x",
			Headers: []Field{{"Content-Type", "text/plain"}}}, ErrBadHeader},
		{"header injection", Message{From: Address{Addr: "a@b.c"}, Text: "x",
			Headers: []Field{{"X-A", "a\r\nBcc: x@y.z"}}}, ErrBadHeader},
		{"subject injection", Message{From: Address{Addr: "a@b.c"}, Text: "x", Subject: "a\nb"}, ErrBadHeader},
		{"bad from", Message{From: Address{Addr: "nobody"}, Text: "x"}, ErrBadAddress},
		{"name injection", Message{From: Address{Name: "x\r\nBcc: y@z", Addr: "a@b.c"}, Text: "x"}, ErrBadAddress},
	}
	for _, tt := range tests {
		if _, err := Build(&tt.m); !errorsIs(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestNewPartErrors(t *testing.T) {
	tests := []struct {
		name string
		a    Attachment
		want error
	}{
		{"multipart type", Attachment{Filename: "x", ContentType: "multipart/mixed"}, ErrBadContentType},
		{"message type", Attachment{Filename: "x.eml", ContentType: "message/rfc822"}, ErrBadContentType},
		{"unparsable type", Attachment{Filename: "x", ContentType: "text/"}, ErrBadContentType},
		{"path in name", Attachment{Filename: "../etc/passwd"}, ErrBadFilename},
		{"line break in name", Attachment{Filename: "a\r\nb"}, ErrBadFilename},
		{"long name", Attachment{Filename: strings.Repeat("x", MaxFilename+1)}, ErrBadFilename},
		{"bad content id", Attachment{Filename: "a.png", ContentID: "a b"}, ErrBadContentID},
	}
	for _, tt := range tests {
		if _, err := NewPart(tt.a); !errorsIs(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestContentTypeGuess(t *testing.T) {
	tests := []struct{ file, ct, want string }{
		{"a.pdf", "", "application/pdf"},
		{"A.PNG", "", "image/png"},
		{"noext", "", "application/octet-stream"},
		{"a.bin", "text/csv; charset=utf-8", "text/csv"},
	}
	for _, tt := range tests {
		p := mustPart(t, Attachment{Filename: tt.file, ContentType: tt.ct, Data: []byte("x")})
		r, err := mail.ReadMessage(bytes.NewReader(p.b))
		if err != nil {
			t.Fatal(err)
		}
		mt, params, _ := stdmime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != tt.want || params["name"] != tt.file {
			t.Errorf("%s: Content-Type %q, want %s with name=%s", tt.file, r.Header.Get("Content-Type"), tt.want, tt.file)
		}
	}
}

// TestEncodedLineLengths: a minified HTML line of 20,000 characters, long
// non-ASCII text lines and a binary attachment all leave in lines of at
// most 76 characters (part and message header lines in at most 78).
func TestEncodedLineLengths(t *testing.T) {
	html := "<html><body>" + strings.Repeat(`<td style="padding:0">Prix: 10 €</td>`, 500) + "</body></html>"
	text := strings.Repeat("Ligne très longue sans retour ", 100) + "\n  trailing spaces   \nend="
	m := &Message{From: Address{Addr: "a@example.com"}, Subject: "s", Text: text, HTML: html,
		Parts: []*Part{mustPart(t, Attachment{Filename: "r.pdf", Data: pdf})}}
	msg, err := Build(m)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(msg), "\r\n") {
		if len(line) > foldAt {
			t.Errorf("line %d is %d characters: %.80q", i+1, len(line), line)
		}
	}
	_, e := parseMessage(t, msg)
	checkLeaves(t, e, text, html, []Attachment{{Filename: "r.pdf", Data: pdf}})
	if e.kids[0].kids[0].header["Content-Transfer-Encoding"][0] != QuotedPrintable {
		t.Errorf("non-ASCII text not quoted-printable: %v", e.kids[0].kids[0].header)
	}
}

func TestSevenBitText(t *testing.T) {
	msg, err := Build(&Message{From: Address{Addr: "a@example.com"}, Text: "plain ascii\nsecond line\n"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(msg, []byte("Content-Transfer-Encoding: 7bit\r\n\r\nplain ascii\r\nsecond line\r\n")) {
		t.Errorf("ASCII text should be 7bit with CRLF lines:\n%s", msg)
	}
}
