package mime

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzBuild: whatever the subject, names, bodies and attachment, Build
// either refuses or writes a message that net/mail and mime/multipart read
// back to the same subject, bodies and attachment bytes, in lines of at
// most 998 characters.
func FuzzBuild(f *testing.F) {
	f.Add("Hello", "Jane", "text\n", "<p>x</p>", "a.pdf", []byte{0, 1, 2})
	f.Add("Grüße 🎉 =?x?=", "Zoë, \"Z\"", "é\r\n.\r\nx", "", "résumé.pdf", []byte("\r\n"))
	f.Add(strings.Repeat("x", 2000), "", "", "<b>", "", []byte(nil))
	f.Fuzz(func(t *testing.T, subject, name, text, html, filename string, data []byte) {
		m := &Message{From: Address{Name: name, Addr: "a@example.com"}, Subject: subject,
			Text: text, HTML: html, MessageID: "x@example.com"}
		var parts []Attachment
		if filename != "" {
			a := Attachment{Filename: filename, Data: data}
			p, err := NewPart(a)
			if err != nil {
				return
			}
			m.Parts, parts = []*Part{p}, []Attachment{a}
		}
		msg, err := Build(m)
		if err != nil {
			return
		}
		checkLines(t, msg)
		r, e := parseMessage(t, msg)
		got, err := decoder.DecodeHeader(r.Header.Get("Subject"))
		if err != nil || (got != subject && got != strings.TrimSpace(subject)) {
			if strings.TrimSpace(subject) != "" || got != "" {
				t.Fatalf("subject %q reads back as %q (%v)", subject, got, err)
			}
		}
		for _, l := range e.leaves() {
			if len(parts) > 0 && !strings.HasPrefix(l.typ, "text/") && !bytes.Equal(l.body, data) {
				t.Fatalf("attachment does not round-trip")
			}
		}
	})
}
