package redact

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/dsn"
)

// partTypes reads msg with the standard library's MIME parsers and lists
// the media types of its parts.
func partTypes(t testing.TB, msg []byte) []string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var types []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return types
		}
		if err != nil {
			t.Fatal(err)
		}
		mt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, mt)
	}
}

// report is a multipart/report with the given parts, each "type\nbody".
func report(parts ...string) []byte {
	var b strings.Builder
	b.WriteString("From: MAILER-DAEMON@mx.test\r\nContent-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"b1\"\r\n\r\npreamble\r\n")
	for _, p := range parts {
		typ, body, _ := strings.Cut(p, "\n")
		b.WriteString("--b1\r\n")
		if typ != "" {
			b.WriteString("Content-Type: " + typ + "\r\n")
		}
		b.WriteString("\r\n" + body + "\r\n")
	}
	b.WriteString("--b1--\r\nepilogue\r\n")
	return []byte(b.String())
}

// TestReport: the parts that return the original message or its header
// go (RFC 8689 section 5), the explanation and the status stay, and what
// is not a multipart/report is refused rather than sent unredacted.
func TestReport(t *testing.T) {
	ours := dsn.Compose(dsn.Report{Reporter: "mx.test", MessageID: "m1", Sender: "s@a.test", ArrivedAt: time.Now(),
		Recipients: []dsn.Failure{{Recipient: "r@b.test", Status: "5.7.30", Diagnostic: "550 5.7.30 REQUIRETLS support required"}},
		Header:     []byte("Subject: secret plans\r\nFrom: s@a.test\r\n")}, time.Now())
	for _, tc := range []struct {
		name string
		msg  []byte
		want []string // part types left; nil: refused
	}{
		{"our report with the header", ours, []string{"text/plain", "message/delivery-status"}},
		{"a full message returned", report("text/plain\nfailed", "message/delivery-status\nStatus: 5.0.0", "message/rfc822\nSubject: secret plans\r\n\r\nbody"),
			[]string{"text/plain", "message/delivery-status"}},
		{"internationalized", report("text/plain\nfailed", "message/global-delivery-status\nStatus: 5.0.0", "message/global-headers\nSubject: x"),
			[]string{"text/plain", "message/global-delivery-status"}},
		{"already redacted", report("text/plain\nfailed", "message/delivery-status\nStatus: 5.0.0"), []string{"text/plain", "message/delivery-status"}},
		{"a part without a type is text", report("\nfailed", "message/delivery-status\nStatus: 5.0.0"), []string{"", "message/delivery-status"}},
		{"a type that does not parse goes", report("text/plain\nfailed", "message/delivery-status\nStatus: 5.0.0", "message/\nSubject: x"),
			[]string{"text/plain", "message/delivery-status"}},
		{"not a report", []byte("Subject: hi\r\nContent-Type: text/plain\r\n\r\nhello\r\n"), nil},
		{"multipart/mixed", bytes.Replace(report("text/plain\nx"), []byte("multipart/report"), []byte("multipart/mixed"), 1), nil},
		{"no close delimiter", bytes.TrimSuffix(report("text/plain\nx"), []byte("--b1--\r\nepilogue\r\n")), nil},
		{"no body", []byte("Content-Type: multipart/report; boundary=b1\r\n"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, ok := Report(tc.msg)
			if ok != (tc.want != nil) {
				t.Fatalf("ok = %v, want %v", ok, tc.want != nil)
			}
			if !ok {
				return
			}
			if got := partTypes(t, out); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("parts %q, want %q", got, tc.want)
			}
			if bytes.Contains(out, []byte("secret plans")) {
				t.Errorf("the original header is still there:\n%s", out)
			}
			if again, _ := Report(out); !bytes.Equal(again, out) {
				t.Errorf("redacting twice changed the message")
			}
		})
	}
}

// FuzzReport: never a panic; a redacted message is never longer, and
// redacting it again changes nothing.
func FuzzReport(f *testing.F) {
	f.Add(report("text/plain\nfailed", "message/delivery-status\nStatus: 5.0.0", "text/rfc822-headers\nSubject: x"))
	f.Add(dsn.Compose(dsn.Report{Reporter: "mx.test", Sender: "s@a.test", Header: []byte("Subject: x\r\n")}, time.Unix(0, 0)))
	f.Add([]byte("Content-Type: multipart/report; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n--b--"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		out, ok := Report(msg)
		if !ok {
			return
		}
		if len(out) > len(msg) {
			t.Fatalf("redacted %d bytes into %d", len(msg), len(out))
		}
		if again, ok := Report(out); !ok || !bytes.Equal(again, out) {
			t.Fatalf("redacting twice: ok %v, changed %v", ok, !bytes.Equal(again, out))
		}
	})
}
