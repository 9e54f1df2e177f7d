package feedback

import (
	"strings"
	"testing"
)

// shapeCase is a small synthetic bounce of one general shape and what its
// first recipient must read as.
type shapeCase struct {
	name   string
	raw    string
	addr   string
	status string
	code   int
	diag   string // the diagnostic must contain it
	notIn  string // and must not contain it ("" for no check)
}

func runShapeCases(t *testing.T, cases []shapeCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			r := Parse(crlf(tt.raw))
			if len(r.Recipients) == 0 {
				t.Fatalf("no recipients (kind %q)", r.Kind)
			}
			g := r.Recipients[0]
			if g.Address != tt.addr || g.Status != tt.status || g.Code != tt.code || !strings.Contains(g.Diagnostic, tt.diag) ||
				(tt.notIn != "" && strings.Contains(g.Diagnostic, tt.notIn)) {
				t.Errorf("got %s status %s code %d diagnostic %q\nwant %s status %s code %d diagnostic with %q without %q",
					g.Address, g.Status, g.Code, g.Diagnostic, tt.addr, tt.status, tt.code, tt.diag, tt.notIn)
			}
		})
	}
}

const transcriptHead = `From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.net>
To: app@example.com
Subject: Returned mail: see transcript for details

The original message was received at Mon, 1 Jun 2026 10:00:00 +0000
from app.example.com [192.0.2.3]

   ----- The following addresses had permanent fatal errors -----
<who@example.org>

   ----- Transcript of session follows -----
`

// TestTranscriptShapes: in a session transcript the remote's reply
// ("<<<") or the delivery agent's message before a recipient's summary
// line is its reason, whole when the reply spans lines.
func TestTranscriptShapes(t *testing.T) {
	runShapeCases(t, []shapeCase{
		{"remote reply before the summary", transcriptHead + `... while talking to mx.example.org.:
>>> MAIL From:<app@example.com>
<<< 553-5.7.1 Mail from 192.0.2.3 refused,
<<< 553 5.7.1 see the block list's page
554 5.0.0 <who@example.org>... Service unavailable
`, "who@example.org", "5.7.1", 553, "553-5.7.1 Mail from 192.0.2.3 refused, 553 5.7.1 see the block list's page", "<<<"},
		{"delivery agent's message before the summary", transcriptHead + `procmail: quota exceeded for who
554 <who@example.org>... Service unavailable
`, "who@example.org", "5.0.0", 554, "Service unavailable procmail: quota exceeded", ""},
		{"the next session ends a reason", transcriptHead + `554 <who@example.org>... 550 Host unknown (Authoritative answer from name server)
While talking to mx.example.edu:
>>> RCPT To:<other@example.edu>
<<< 550 <other@example.edu>... User unknown
550 <other@example.edu>... User unknown
`, "who@example.org", "5.0.0", 554, "550 Host unknown (Authoritative answer from name server)", "talking"},
		{"prose before a reply is no session", strings.Replace(transcriptHead, "   ----- Transcript of session follows -----\n", "", 1) +
			"The error that the other server returned was:\n550 5.1.1 <who@example.org>... User unknown\n",
			"who@example.org", "5.1.1", 550, "User unknown", "returned was"},
		{"a section heading is no reason", strings.Replace(transcriptHead, "Returned mail: see transcript for details", "Warning: could not send message for past 4 hours", 1) +
			"<who@example.org>... Deferred: Connection refused by mx.example.org.\n",
			"who@example.org", "5.0.0", 0, "Deferred: Connection refused", "Transcript"},
	})
}

// TestReasonShapes: where non-standard notices put a recipient's reason.
func TestReasonShapes(t *testing.T) {
	head := "From: MAILER-DAEMON@mx.example.net\nTo: app@example.com\nSubject: failure notice\n\n"
	runShapeCases(t, []shapeCase{
		{"qmail's status ends the reason", head + `Hi. This is the qmail-send program at mx.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<who@example.org>:
Connected to 192.0.2.9 but connection died. (#4.4.2)I'm not going to try again; this
message has been in the queue too long.
`, "who@example.org", "4.4.2", 0, "connection died. (#4.4.2)", "queue too long"},
		{"one reason before the list of recipients", head + `Your message
   Subject: hello

could not be delivered because of

550 5.2.2 Mailbox over quota

The following recipients were affected:
    who@example.org


Additional information
======================
Reporting host:   <mx.example.net>
`, "who@example.org", "5.2.2", 550, "550 5.2.2 Mailbox over quota", ""},
		{"a reason on the address's line ends at its paragraph", head + `A message is delayed for the following recipients:

who@example.org: Connection refused by all MXs

    This is only a temporary failure report; the message stays queued
    for up to 4 days. Nothing needs to be sent again.
`, "who@example.org", "4.0.0", 0, "Connection refused by all MXs", "temporary"},
		{"an address is no cause", head + `There was an error delivering your mail to <unknown-user@example.org>.

Could not deliver for the last 432000 seconds. Giving up.
`, "unknown-user@example.org", "5.4.7", 0, "432000 seconds", "error delivering"},
	})
}

// TestExpiredStatusGivesWay: a DSN's X.4.7 (delivery time expired) gives
// way to the last reply's own code of the same class; a code of the other
// class does not change whether the failure is final. So does a specific
// Status that disagrees with the remote's own specific code in the reply
// (RFC 3464 2.3.6: the Diagnostic-Code is the remote MTA's; the Status
// the reporting MTA's reading of it), but not one the reply only names
// by subject (X.Y.0), nor a code that does not follow the reply code.
func TestExpiredStatusGivesWay(t *testing.T) {
	for _, tt := range []struct{ field, diag, want string }{
		{"4.4.7", "smtp; 450 4.7.1 Client host rejected: listed", "4.7.1"},
		{"5.4.7", "smtp; 550 5.7.1 Client host rejected: listed", "5.7.1"},
		{"5.4.7", "smtp; 450 4.2.2 mailbox full", "5.4.7"},
		{"4.4.7", "smtp; 421 timed out", "4.4.7"},
		{"4.2.2", "smtp; 452 4.2.1 mailbox disabled", "4.2.1"},
		{"5.1.1", "smtp; 550 5.7.1 IP address blacklisted by recipient", "5.7.1"},
		{"5.1.1", "smtp; 550-5.7.1 IP address blacklisted", "5.7.1"},
		{"5.1.1", "smtp; 550 5.7.0 refused", "5.1.1"},
		{"5.1.1", "smtp; 550 unknown user (see RFC 5.7.1 of our policy)", "5.1.1"},
	} {
		raw := strings.Replace(strings.Replace(dsnTwoRecipients, "Status: 5.0.0", "Status: "+tt.field, 1),
			"smtp; 550 5.1.1 <a@example.org>: Recipient address\n rejected: User unknown", tt.diag, 1)
		if g := Parse(crlf(raw)).Recipients[0]; g.Status != tt.want {
			t.Errorf("Status %s, Diagnostic-Code %q: status %s, want %s", tt.field, tt.diag, g.Status, tt.want)
		}
	}
}

// TestAddressLeadShapes: an address is reported after a label naming it
// the recipient, or after words saying the delivery to it failed; never
// in an SMTP command's echo.
func TestAddressLeadShapes(t *testing.T) {
	head := "From: postmaster@mx.example.net\nTo: app@example.com\nSubject: Undeliverable Mail\n\n"
	runShapeCases(t, []shapeCase{
		{"a labelled address", head + `This is a warning message only.

--- The following addresses had errors ---
[State: failed, Recipient: <who@example.org>, ReplyCode 452, , mailbox over quota]

Received:from app.example.com by mx.example.net
Message-ID:<m9@example.com>
From:app@example.com
To:<who@example.org>
Subject:hello
`, "who@example.org", "4.0.0", 452, "ReplyCode 452, , mailbox over quota]", "Received"},
		{"an address after a failure's words", head + `Delivery failed 5 attempts: who@example.org


Original message follows.
Received: from app.example.com by mx.example.net; 1 Jun 2026 10:00:00 -0000
Message-ID: <m9@example.com>
From: app@example.com
`, "who@example.org", "5.4.7", 0, "Delivery failed 5 attempts", "Original message"},
		{"a command's echo names no recipient", head + `A message that you sent could not be delivered to one or more of its
recipients. The following address(es) failed:

  who@example.org
    SMTP error from remote mail server after RCPT TO:<who@example.org>:
    host mx.example.org [192.0.2.7]: 550 5.1.1 <who@example.org>... User unknown
  other@example.org
    SMTP error from remote mail server after RCPT TO:<other@example.org>:
    host mx.example.org [192.0.2.7]: 552 5.2.2 <other@example.org>... Mailbox full
`, "who@example.org", "5.1.1", 550, "550 5.1.1 <who@example.org>... User unknown", "Mailbox full"},
	})
}

// TestFindCode: where a reply code is read, and where it is not.
func TestFindCode(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want int
	}{
		{"550 5.1.1 user unknown", 550},
		{"host mx.example.org [192.0.2.7]: 452 4.2.2 over quota", 452},
		{"Status: failed, ResponseCode 421, , host not reachable", 421},
		{"220-mx.example.org greeting 421 4.2.1 Service refused, try later", 421},
		{"220-mx.example.org greeting 421 5.2.1 mismatched classes", 220},
		{"queued as 550 messages since 4.4.1970", 0},
		{"250 2.0.0 Ok", 250},
	} {
		if got := findCode(tt.s); got != tt.want {
			t.Errorf("findCode(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}
