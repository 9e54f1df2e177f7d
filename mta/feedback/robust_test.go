package feedback

import (
	"strings"
	"testing"
)

// globalDSN is an RFC 6533 report: 8-bit UTF-8 parts, internationalized
// addresses (one with "\x{HHHH}" escapes), the original's header as
// message/global-headers.
const globalDSN = `From: MAILER-DAEMON@mx.example.net
To: app@example.com
Subject: Undelivered Mail
MIME-Version: 1.0
Content-Type: multipart/report; report-type=global-delivery-status; boundary="G"

--G
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Die Nachricht an ñandú@exämple.org konnte nicht zugestellt werden.

--G
Content-Type: message/global-delivery-status
Content-Transfer-Encoding: 8bit

Reporting-MTA: dns; mx.example.net

Original-Recipient: utf-8; ñandú@exämple.org
Final-Recipient: utf-8; ñandú@exämple.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <ñandú@exämple.org> unknown
Final-Recipient: rfc822; b@example.org
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 full

Final-Recipient: utf-8; x\x{E9}t\x{E9}@example.org
Action: delayed
Status: 4.4.1 (no answer from host)

--G
Content-Type: message/global-headers
Content-Transfer-Encoding: 8bit

Message-ID: <g1@example.com>
From: app@example.com
To: ñandú@exämple.org
Subject: héllo

--G--
`

// TestRobustShapes: reports whose parts are encoded, internationalized or
// crowded still give every recipient.
func TestRobustShapes(t *testing.T) {
	base64DSN := strings.Replace(dsnTwoRecipients, "Content-Type: message/delivery-status\n\n", "Content-Type: message/delivery-status\nContent-Transfer-Encoding: base64\n\n", 1)
	start := strings.Index(base64DSN, "Reporting-MTA:")
	end := strings.Index(base64DSN, "--B\nContent-Type: text/rfc822-headers")
	base64DSN = base64DSN[:start] + b64(base64DSN[start:end]) + "\n" + base64DSN[end:]
	latin1 := "From: MAILER-DAEMON@mx.example.net\nTo: app@example.com\nSubject: Unzustellbar\n" +
		"Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n" +
		"Die Nachricht konnte nicht zugestellt werden:\n\n<who@example.org>: host mx.example.org said:\n    550 5.1.1 Empf\xe4nger unbekannt\n"
	for _, tt := range []struct {
		name  string
		raw   string
		want  []Recipient
		msgID string
	}{
		{"global DSN", globalDSN, []Recipient{
			{Kind: KindBounce, Address: "ñandú@exämple.org", Action: "failed", Status: "5.1.1", Code: 550, Diagnostic: "<ñandú@exämple.org> unknown"},
			{Kind: KindBounce, Address: "b@example.org", Action: "failed", Status: "5.2.2", Code: 552, Diagnostic: "full"},
			{Kind: KindBounce, Address: "xété@example.org", Action: "delayed", Status: "4.4.1", Diagnostic: "no answer from host"},
		}, "g1@example.com"},
		{"base64 delivery-status", base64DSN, []Recipient{
			{Kind: KindBounce, Address: "a@example.org", Action: "failed", Status: "5.1.1", Code: 550, Diagnostic: "User unknown", RemoteMTA: "mx.example.org"},
			{Kind: KindDelivered, Address: "b@example.org", Action: "delivered", Status: "2.0.0", Code: 250, Diagnostic: "Ok"},
			{Kind: KindBounce, Address: "c@example.org", Action: "delayed", Status: "4.4.1", Diagnostic: "connection refused"},
		}, "m1@example.com"},
		{"latin-1 8-bit notice", latin1, []Recipient{
			{Kind: KindBounce, Address: "who@example.org", Action: "failed", Status: "5.1.1", Code: 550, Diagnostic: "550 5.1.1 Empfänger unbekannt"},
		}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := Parse(crlf(tt.raw))
			if len(r.Recipients) != len(tt.want) {
				t.Fatalf("%d recipients, want %d: %+v", len(r.Recipients), len(tt.want), r.Recipients)
			}
			checkReport(t, r, tt.want, tt.msgID)
		})
	}
}

// TestWholeMultilineReply: a Diagnostic-Code that keeps only the first
// line of a multi-line reply is completed from the transcript quoting it
// whole; one the notice does not quote stays as it is.
func TestWholeMultilineReply(t *testing.T) {
	notice := "   ----- Transcript of session follows -----\n... while talking to mx.example.org.:\n>>> DATA\n" +
		"<<< 550-5.7.1 [192.0.2.3] Our system has detected that this message is\n<<< 550-5.7.1 likely unsolicited mail. To reduce the amount of spam,\n" +
		"<<< 550 5.7.1 this message has been blocked.\n554 5.0.0 Service unavailable\n"
	first := "smtp; 550-5.7.1 [192.0.2.3] Our system has detected that this message is"
	for _, tt := range []struct{ notice, want string }{
		{notice, "550-5.7.1 [192.0.2.3] Our system has detected that this message is 550-5.7.1 likely unsolicited mail. To reduce the amount of spam, 550 5.7.1 this message has been blocked."},
		{"Some recipients failed.\n", "550-5.7.1 [192.0.2.3] Our system has detected that this message is"},
	} {
		raw := strings.Replace(strings.Replace(dsnTwoRecipients, "Some recipients failed.\n", tt.notice, 1),
			"smtp; 550 5.1.1 <a@example.org>: Recipient address\n rejected: User unknown", first, 1)
		if g := Parse(crlf(raw)).Recipients[0]; g.Diagnostic != tt.want || g.Status != "5.7.1" || g.Code != 550 {
			t.Errorf("got %+v\nwant diagnostic %q", g, tt.want)
		}
	}
}

// TestNoticeBeatsGenericDiagnostic: a Diagnostic-Code that is a bare exit
// status, or a generic reply while the transcript quotes the remote's
// specific one, gives way to the notice; a specific one does not.
func TestNoticeBeatsGenericDiagnostic(t *testing.T) {
	transcript := "   ----- The following addresses had permanent fatal errors -----\n<a@example.org>\n\n" +
		"   ----- Transcript of session follows -----\n... while talking to mx.example.org.:\n>>> DATA\n" +
		"<<< 550 5.7.1 message content rejected\n554 5.0.0 Service unavailable\n"
	for _, tt := range []struct{ notice, field, want string }{
		{transcript, "smtp; 554 5.0.0 Service unavailable", "550 5.7.1 message content rejected"},
		{transcript, "smtp; 554 5.7.0 policy: rejected", "554 5.7.0 policy: rejected"},
		{"<a@example.org>: mailbox is full\n", "X-Unix; 73", "mailbox is full"},
		{"Some recipients failed.\n", "X-Unix; 73", "73"},
	} {
		raw := strings.Replace(strings.Replace(dsnTwoRecipients, "Some recipients failed.\n", tt.notice, 1),
			"smtp; 550 5.1.1 <a@example.org>: Recipient address\n rejected: User unknown", tt.field, 1)
		if g := Parse(crlf(raw)).Recipients[0]; g.Diagnostic != tt.want {
			t.Errorf("Diagnostic-Code %q: got %q, want %q", tt.field, g.Diagnostic, tt.want)
		}
	}
}
