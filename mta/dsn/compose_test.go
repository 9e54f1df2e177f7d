package dsn

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// parsed is a report read back with the standard library's MIME parsers.
type parsed struct {
	header     mail.Header
	human      string
	perMessage textproto.MIMEHeader
	perRcpt    []textproto.MIMEHeader
	original   mail.Header // the text/rfc822-headers part; nil when absent
}

func parse(t *testing.T, msg []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/report" || params["report-type"] != "delivery-status" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var p parsed
	p.header = m.Header
	for i := 0; ; i++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			if i != 2 && i != 3 {
				t.Fatalf("%d parts, want 2 or 3", i)
			}
			return p
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(part)
		switch ct := part.Header.Get("Content-Type"); {
		case i == 0 && strings.HasPrefix(ct, "text/plain"):
			p.human = string(data)
		case i == 1 && ct == "message/delivery-status":
			r := textproto.NewReader(bufio.NewReader(bytes.NewReader(data)))
			if p.perMessage, err = r.ReadMIMEHeader(); err != nil {
				t.Fatalf("per-message fields: %v", err)
			}
			for {
				h, err := r.ReadMIMEHeader()
				if len(h) > 0 {
					p.perRcpt = append(p.perRcpt, h)
				}
				if err != nil {
					break
				}
			}
		case i == 2 && ct == "text/rfc822-headers":
			om, err := mail.ReadMessage(bytes.NewReader(append(data, "\r\n"...)))
			if err != nil {
				t.Fatalf("text/rfc822-headers part: %v", err)
			}
			p.original = om.Header
		default:
			t.Fatalf("part %d has Content-Type %q", i, ct)
		}
	}
}

func TestCompose(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	r := Report{Reporter: "mta.test", MessageID: "0123456789abcdef0123456789abcdef", Sender: "app@sender.test", ArrivedAt: at,
		Recipients: []Failure{
			{Recipient: "bad@example.test", Status: "5.1.1", Diagnostic: "550 5.1.1 no such\r\nuser", RemoteMTA: "mx.example.test", LastTry: at.Add(time.Second)},
			{Recipient: "slow@example.test", Status: "4.4.7", Diagnostic: "451 4.3.0 later", Expired: true},
		}}
	p := parse(t, Compose(r, at.Add(time.Minute)))
	headers := map[string]string{"From": "Mail Delivery System <MAILER-DAEMON@mta.test>", "To": "<app@sender.test>",
		"Auto-Submitted": "auto-replied", "Subject": "Undelivered Mail Returned to Sender"}
	for k, want := range headers {
		if got := p.header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if p.perMessage.Get("Reporting-MTA") != "dns; mta.test" || p.perMessage.Get("Arrival-Date") == "" {
		t.Errorf("per-message fields %v", p.perMessage)
	}
	rcpts := []map[string]string{
		{"Final-Recipient": "rfc822; bad@example.test", "Action": "failed", "Status": "5.1.1",
			"Remote-MTA": "dns; mx.example.test", "Diagnostic-Code": "smtp; 550 5.1.1 no such user"},
		{"Final-Recipient": "rfc822; slow@example.test", "Action": "failed", "Status": "4.4.7", "Remote-MTA": ""},
	}
	if len(p.perRcpt) != len(rcpts) {
		t.Fatalf("%d per-recipient blocks, want %d: %v", len(p.perRcpt), len(rcpts), p.perRcpt)
	}
	for i, want := range rcpts {
		for k, v := range want {
			if got := p.perRcpt[i].Get(k); got != v {
				t.Errorf("recipient %d %s = %q, want %q", i, k, got, v)
			}
		}
	}
	if !strings.Contains(p.human, "<bad@example.test>: 550 5.1.1 no such user") || !strings.Contains(p.human, "too long") {
		t.Errorf("human part:\n%s", p.human)
	}
}

func TestStatusOf(t *testing.T) {
	tests := []struct {
		code     int
		enhanced string
		expired  bool
		want     string
	}{
		{550, "5.1.1", false, "5.1.1"},
		{554, "", false, "5.0.0"},
		{451, "4.7.28", false, "4.7.28"},
		{421, "bogus", false, "4.0.0"},
		{0, "", false, "5.0.0"},
		{451, "4.3.0", true, "4.4.7"},
		{550, "5.1.1234", false, "5.0.0"},
	}
	for _, tt := range tests {
		if got := StatusOf(tt.code, tt.enhanced, tt.expired); got != tt.want {
			t.Errorf("StatusOf(%d, %q, %v) = %q, want %q", tt.code, tt.enhanced, tt.expired, got, tt.want)
		}
	}
}
