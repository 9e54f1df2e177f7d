// Building the HTTP API's message (text and HTML, non-ASCII subject and
// display name, a 100 KiB attachment) with mta/mime and with
// emersion/go-message.
package mimebench

import (
	"bytes"
	"io"
	"math/rand/v2"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/wasmta/wasmta/mta/mime"
)

var (
	subject = "Ihre Bestellung ist unterwegs – Nr. 4711"
	text    = strings.Repeat("Grüße aus München: Ihre Bestellung wurde versandt und kommt bald an.\n", 30)
	html    = "<html><body>" + strings.Repeat("<p>Grüße aus München: Ihre <b>Bestellung</b> wurde versandt.</p>\n", 120) + "</body></html>"
	pdf     = func() []byte {
		b := make([]byte, 100<<10)
		r := rand.New(rand.NewPCG(1, 2))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}()
	date = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
)

func ours(b testing.TB, part *mime.Part, attach bool) []byte {
	var parts []*mime.Part
	if attach {
		if part == nil {
			var err error
			if part, err = mime.NewPart(mime.Attachment{Filename: "Rechnung-4711.pdf", Data: pdf}); err != nil {
				b.Fatal(err)
			}
		}
		parts = []*mime.Part{part}
	}
	out, err := mime.Build(&mime.Message{
		From: mime.Address{Name: "Zoë Müller", Addr: "news@sender.example"}, To: []mime.Address{{Name: "Ann", Addr: "ann@example.org"}},
		Subject: subject, Date: date, MessageID: "4711@sender.example", Text: text, HTML: html, Parts: parts})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

func theirs(b testing.TB, attach bool) []byte {
	var buf bytes.Buffer
	var h mail.Header
	h.SetDate(date)
	h.SetAddressList("From", []*mail.Address{{Name: "Zoë Müller", Address: "news@sender.example"}})
	h.SetAddressList("To", []*mail.Address{{Name: "Ann", Address: "ann@example.org"}})
	h.SetSubject(subject)
	h.SetMessageID("4711@sender.example")
	w, err := mail.CreateWriter(&buf, h)
	if err != nil {
		b.Fatal(err)
	}
	iw := w
	var alt *mail.InlineWriter
	if attach {
		if alt, err = iw.CreateInline(); err != nil {
			b.Fatal(err)
		}
	}
	writePart := func(create func(mail.InlineHeader) (io.WriteCloser, error), ct, body string) {
		var ph mail.InlineHeader
		ph.SetContentType(ct, map[string]string{"charset": "utf-8"})
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := create(ph)
		if err != nil {
			b.Fatal(err)
		}
		io.WriteString(pw, body)
		pw.Close()
	}
	if attach {
		writePart(alt.CreatePart, "text/plain", text)
		writePart(alt.CreatePart, "text/html", html)
		alt.Close()
		var ah mail.AttachmentHeader
		ah.SetContentType("application/pdf", nil)
		ah.SetFilename("Rechnung-4711.pdf")
		ah.Set("Content-Transfer-Encoding", "base64")
		aw, err := iw.CreateAttachment(ah)
		if err != nil {
			b.Fatal(err)
		}
		aw.Write(pdf)
		aw.Close()
	}
	w.Close()
	return buf.Bytes()
}

// TestBothParse: both outputs are messages net/mail reads, of similar size.
func TestBothParse(t *testing.T) {
	for name, b := range map[string][]byte{"mta/mime": ours(t, nil, true), "go-message": theirs(t, true)} {
		m, err := netmail.ReadMessage(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %d bytes, subject %q", name, len(b), m.Header.Get("Subject"))
	}
}

// theirsText is the message without attachment: multipart/alternative only.
func theirsText(b testing.TB) []byte {
	var buf bytes.Buffer
	var h mail.Header
	h.SetDate(date)
	h.SetAddressList("From", []*mail.Address{{Name: "Zoë Müller", Address: "news@sender.example"}})
	h.SetAddressList("To", []*mail.Address{{Name: "Ann", Address: "ann@example.org"}})
	h.SetSubject(subject)
	h.SetMessageID("4711@sender.example")
	w, err := mail.CreateInlineWriter(&buf, h)
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range [][2]string{{"text/plain", text}, {"text/html", html}} {
		var ph mail.InlineHeader
		ph.SetContentType(p[0], map[string]string{"charset": "utf-8"})
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := w.CreatePart(ph)
		if err != nil {
			b.Fatal(err)
		}
		io.WriteString(pw, p[1])
		pw.Close()
	}
	w.Close()
	return buf.Bytes()
}

func BenchmarkText(b *testing.B) {
	b.Run("mta-mime", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ours(b, nil, false)
		}
	})
	b.Run("go-message", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			theirsText(b)
		}
	})
}

func BenchmarkBuild(b *testing.B) {
	part, _ := mime.NewPart(mime.Attachment{Filename: "Rechnung-4711.pdf", Data: pdf})
	b.Run("mta-mime/attachment-encoded-per-message", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ours(b, nil, true)
		}
	})
	b.Run("mta-mime/attachment-encoded-once", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ours(b, part, true)
		}
	})
	b.Run("go-message", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			theirs(b, true)
		}
	})
}
