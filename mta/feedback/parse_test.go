package feedback

import (
	"strings"
	"testing"
)

// crlf turns a test message written with "\n" into a CRLF one, as mail
// arrives over SMTP.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

const dsnTwoRecipients = `From: MAILER-DAEMON@mx.example.net
To: bounces+tok@bounce.example.com
Subject: Delivery Status Notification
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Some recipients failed.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Mon, 1 Jun 2026 10:00:00 +0000

Original-Recipient: rfc822;a@example.org
Final-Recipient: rfc822; a@example.org
Action: failed
Status: 5.0.0
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <a@example.org>: Recipient address
 rejected: User unknown

Final-Recipient: rfc822; b@example.org
Action: delivered
Status: 2.0.0
Diagnostic-Code: smtp; 250 2.0.0 Ok

Final-Recipient: rfc822; c@example.org
Action: delayed
Status: 4.4.1 (connection refused)

--B
Content-Type: text/rfc822-headers

Message-ID: <m1@example.com>
X-Wasmta-ID: 0123
From: app@example.com
To: a@example.org, b@example.org

--B--
`

const arfReport = `From: fbl@isp.example
To: fbl@bounce.example.com
Subject: complaint
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="P"

--P
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

This is an email abuse report =E2=80=94 see below.

--P
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Mail-From: <bounces+tok@bounce.example.com>
Original-Rcpt-To: <user@isp.example>
Source-IP: 192.0.2.1
Reporting-MTA: dns; mail.isp.example

--P
Content-Type: message/rfc822

From: app@example.com
To: user@isp.example
Message-ID: <m2@example.com>
Subject: hello

body
--P--
`

const qmailBounce = `From: MAILER-DAEMON@mx.example.net
To: bounces+tok@bounce.example.com
Subject: failure notice

Hi. This is the qmail-send program at mx.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<gone@example.org>:
192.0.2.9 does not like recipient.
Remote host said: 550 5.1.1 mailbox unavailable
Giving up on 192.0.2.9.

--- Below this line is a copy of the message.

Return-Path: <bounces+tok@bounce.example.com>
Received: from x by y; 1 Jun 2026 10:00:00 -0000
Message-ID: <m3@example.com>
From: app@example.com
To: gone@example.org

hi
`

const eximBounce = `From: Mail Delivery System <Mailer-Daemon@mx.example.net>
To: bounces+tok@bounce.example.com
Subject: Mail delivery failed: returning message to sender
X-Failed-Recipients: full@example.org
Auto-Submitted: auto-replied
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: base64

` // body appended in the test, base64 of eximText

const eximText = "This message was created automatically by mail delivery software.\n\n" +
	"A message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n" +
	"  full@example.org\n    host mx.example.org [192.0.2.7]\n    SMTP error from remote mail server after RCPT TO:<full@example.org>:\n" +
	"    552 5.2.2 Mailbox full \xe9t\xe9\n\n------ This is a copy of the message, including all the headers. ------\n\n" +
	"Message-ID: <m4@example.com>\nFrom: app@example.com\nTo: full@example.org\n\nhi\n"

const vacation = `From: Someone <someone@example.org>
To: app@example.com
Subject: Out of Office: hello
Auto-Submitted: auto-replied
Message-ID: <r1@example.org>

I am away until Monday.
`

func TestParse(t *testing.T) {
	exim := eximBounce + b64(eximText)
	tests := []struct {
		name  string
		raw   []byte
		kind  Kind
		want  []Recipient // Address, Action, Status, Code, Kind, and a diagnostic substring
		msgID string
	}{
		{"dsn", crlf(dsnTwoRecipients), KindBounce, []Recipient{
			{Kind: KindBounce, Address: "a@example.org", Action: "failed", Status: "5.1.1", Code: 550, Diagnostic: "User unknown", RemoteMTA: "mx.example.org"},
			{Kind: KindDelivered, Address: "b@example.org", Action: "delivered", Status: "2.0.0", Code: 250, Diagnostic: "Ok"},
			{Kind: KindBounce, Address: "c@example.org", Action: "delayed", Status: "4.4.1", Diagnostic: "connection refused"},
		}, "m1@example.com"},
		{"arf", crlf(arfReport), KindFeedback, []Recipient{{Kind: KindFeedback, Address: "user@isp.example"}}, "m2@example.com"},
		{"qmail", []byte(qmailBounce), KindBounce, []Recipient{
			{Kind: KindBounce, Address: "gone@example.org", Action: "failed", Status: "5.1.1", Code: 550, Diagnostic: "550 5.1.1 mailbox unavailable"},
		}, "m3@example.com"},
		{"exim base64 latin-1", crlf(exim), KindBounce, []Recipient{
			{Kind: KindBounce, Address: "full@example.org", Action: "failed", Status: "5.2.2", Code: 552, Diagnostic: "Mailbox full été"},
		}, "m4@example.com"},
		{"vacation", crlf(vacation), KindAutoreply, []Recipient{{Kind: KindAutoreply, Address: "someone@example.org", Diagnostic: "Out of Office"}}, ""},
		{"garbage", []byte("\x00\x01 not a message"), KindUnknown, nil, ""},
		{"plain mail", crlf("From: a@example.org\nSubject: hi\n\nhello b@example.org\n"), KindUnknown, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Parse(tt.raw)
			if r.Kind != tt.kind {
				t.Fatalf("kind %q, want %q (%+v)", r.Kind, tt.kind, r.Recipients)
			}
			if len(r.Recipients) != len(tt.want) {
				t.Fatalf("%d recipients, want %d: %+v", len(r.Recipients), len(tt.want), r.Recipients)
			}
			checkReport(t, r, tt.want, tt.msgID)
		})
	}
}

// checkReport compares a report's recipients (Address, Action, Status,
// Code, Kind, RemoteMTA, and a diagnostic substring) and the quoted
// original's message id ("" for no check) with what a test wants.
func checkReport(t *testing.T, r *Report, want []Recipient, msgID string) {
	t.Helper()
	for i, w := range want {
		g := r.Recipients[i]
		if g.Kind != w.Kind || g.Address != w.Address || g.Action != w.Action || g.Status != w.Status ||
			g.Code != w.Code || g.RemoteMTA != w.RemoteMTA || !strings.Contains(g.Diagnostic, w.Diagnostic) {
			t.Errorf("recipient %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	if msgID != "" && (r.Original == nil || r.Original.MessageID != msgID) {
		t.Errorf("original %+v, want message id %s", r.Original, msgID)
	}
}

func TestParseARFFields(t *testing.T) {
	r := Parse(crlf(arfReport))
	if r.FeedbackType != "abuse" || r.SourceIP != "192.0.2.1" || r.OriginalMailFrom != "bounces+tok@bounce.example.com" ||
		r.ReportingMTA != "mail.isp.example" {
		t.Errorf("ARF fields: %+v", r)
	}
	if got := r.Original.Get("Subject"); got != "hello" {
		t.Errorf("original subject %q", got)
	}
}

// TestBounceIsNotAutoreply: bounces carry Auto-Submitted too (RFC 3834
// asks them to); a report from a mailer daemon stays a bounce.
func TestBounceIsNotAutoreply(t *testing.T) {
	if r := Parse(crlf(eximBounce + b64(eximText))); r.Kind != KindBounce {
		t.Errorf("kind %q", r.Kind)
	}
}

func TestClassifyInput(t *testing.T) {
	r := Parse([]byte(qmailBounce))
	in := r.Recipients[0].ClassifyInput("acme")
	if !in.OutOfBand || in.Tenant != "acme" || in.Code != 550 || in.Enhanced != "5.1.1" || in.Domain != "example.org" {
		t.Errorf("classify input %+v", in)
	}
	// A report that quotes no reply: code 0, as in band for a failure
	// without one; the status and text say the rest.
	rc := Recipient{Address: "x@y.example", Status: "4.4.1", Diagnostic: "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)"}
	if in := rc.ClassifyInput(""); in.Code != 0 || in.Enhanced != "4.4.1" {
		t.Errorf("no reply quoted: code %d, enhanced %q", in.Code, in.Enhanced)
	}
}

// TestNonStandardActions: "expired" is a failure, "deliverable" a
// delivery; a failure without a status gets RFC 3463's 5.0.0.
func TestNonStandardActions(t *testing.T) {
	raw := strings.Replace(dsnTwoRecipients, "Action: failed\nStatus: 5.0.0\n", "Action: expired\n", 1)
	raw = strings.Replace(raw, "Action: delivered", "Action: deliverable", 1)
	r := Parse(crlf(raw))
	if g := r.Recipients[0]; g.Kind != KindBounce || g.Action != "failed" || g.Status != "5.1.1" {
		t.Errorf("expired: %+v", g)
	}
	if g := r.Recipients[1]; g.Kind != KindDelivered || g.Action != "delivered" {
		t.Errorf("deliverable: %+v", g)
	}
	raw = strings.Replace(dsnTwoRecipients, "Status: 5.0.0\nRemote-MTA: dns; mx.example.org\nDiagnostic-Code: smtp; 550 5.1.1 <a@example.org>: Recipient address\n rejected: User unknown\n", "Diagnostic-Code: x-local; mailbox gone\n", 1)
	if g := Parse(crlf(raw)).Recipients[0]; g.Status != "5.0.0" || g.Diagnostic != "mailbox gone" {
		t.Errorf("no status: %+v", g)
	}
}
