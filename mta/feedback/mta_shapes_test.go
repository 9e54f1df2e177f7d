package feedback

import (
	"strings"
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
)

// TestMoreMTAShapes: notices in the layouts of more MTAs and gateways,
// written for this test after each one's general shape: where the failed
// address stands and where the remote's reply follows it.
func TestMoreMTAShapes(t *testing.T) {
	head := "From: MAILER-DAEMON@gw.example.net\nTo: app@example.com\nSubject: Mail could not be delivered\n\n"
	runShapeCases(t, []shapeCase{
		{"address typed as [SMTP:...] (MailEnable)", head + `The following recipient(s) could not be reached:

	Recipient: [SMTP:who@example.org]
	Reason: Remote SMTP Server Returned: 550 5.7.1 Message rejected by content filtering.
`, "who@example.org", "5.7.1", 550, "550 5.7.1 Message rejected", ""},
		{"reporting MTA's #5.0.0 before the remote's status (Exchange, Kerio)", head + `The following recipient(s) could not be reached:

   who@example.org on 07.12.2026 10:05
      The e-mail account does not exist at the organization this message was sent to.
      <mx.example.org #5.0.0 smtp;550 5.1.1 User unknown>
`, "who@example.org", "5.1.1", 550, "550 5.1.1 User unknown", ""},
		{"remote's reply under labelled lines (hMailServer)", head + `Your message did not reach some or all of the intended recipients.

The following recipient(s) could not be reached:

who@example.org
   Error Type: SMTP
   Remote server (192.0.2.7) issued an error.
   hMailServer sent: RCPT TO:<who@example.org>
   Remote server replied: 550 5.1.1 <who@example.org>: Recipient address rejected: User unknown
`, "who@example.org", "5.1.1", 550, "User unknown", ""},
		{"gateway log of the session", head + `Unable to deliver message to <who@example.org>.

Sent <<< RCPT TO:<who@example.org>
Received >>> 550 5.1.1 <who@example.org>... mailbox unknown
`, "who@example.org", "5.1.1", 550, "Received >>> 550 5.1.1", ""},
		{"reason in brackets after the address", head + `---The following addresses had delivery errors---

who@example.org [Mailbox unknown]
`, "who@example.org", "5.0.0", 0, "[Mailbox unknown]", ""},
		{"server rejected recipient, reply in brackets", head + `We had trouble delivering your message. Full details follow:

1 error(s):

SMTP Server <mx.example.org> rejected recipient <who@example.org>
  (Error following RCPT command). It responded as follows: [550 5.1.1 No such mailbox]
`, "who@example.org", "5.1.1", 550, "550 5.1.1 No such mailbox", ""},
		{"recipients after a failure's words", head + `The following recipients returned permanent errors: who@example.org.
`, "who@example.org", "5.0.0", 0, "returned permanent errors", ""},
		{"server message under a dashed label", head + `Sending to the following address failed.
who@example.org
-------server message
550 5.2.2 mailbox full <who@example.org>
-------SMTP command
DATA
-------original message
Subject: hello
`, "who@example.org", "5.2.2", 550, "550 5.2.2 mailbox full", ""},
		{"failed with a reply", head + `Unable to deliver message to: <who@example.org>
Delivery failed for the following reason:
Server mx.example.org[192.0.2.7] failed with: 550 <who@example.org> no such user here

This has been a permanent failure. No further delivery attempts will be made.
`, "who@example.org", "5.0.0", 550, "failed with: 550 <who@example.org> no such user here", "No further"},
		{"address after >>> in a transcript", head + ` ----- The following addresses had permanent fatal errors -----
>>> who@example.org <who@example.org>

 ----- Transcript of session follows -----
550 sorry, no mailbox here by that name (#5.1.1 - chkusr)
`, "who@example.org", "5.1.1", 550, "no mailbox here by that name (#5.1.1 - chkusr)", ""},
		{"envelope in the message details", head + `Error message below:
550 5.1.1 mailbox unavailable

Message details:
  Subject: hello
  MAIL FROM: app@example.com
  RCPT TO: who@example.org
  From: App <app@example.com>
  To: who@example.org
`, "who@example.org", "5.1.1", 550, "550 5.1.1 mailbox unavailable", ""},
		{"reason label before the address", head + `Unknown user: who@example.org

Original message follows.

Received: from app.example.com by gw.example.net; 1 Jun 2026 10:00:00 -0000
Message-ID: <m9@example.com>
`, "who@example.org", "5.0.0", 0, "Unknown user", ""},
		{"indented could-not-be-delivered", head + `Your mail sent on: Mon, 1 Jun 2026 10:00:00 +0900
    Could not be delivered to: <who@example.org>
    As their mailbox is full.
`, "who@example.org", "5.0.0", 0, "mailbox is full", ""},
		{"error line and the envelope in the details", head + `Error: 550 - Requested action not taken: no such user here

Message details:
  Subject: hello
  MAIL FROM: app@example.com
  RCPT TO: who@example.org
`, "who@example.org", "5.0.0", 550, "no such user here", ""},
		{"technical details under a ruled heading", head + `==========================================================
      This is an automatically generated Delivery Status Notification.

Delivery to the following recipients failed permanently:

  * who@example.org


==========================================================
                    Technical details:

SMTP:RCPT host 192.0.2.8: 553 5.3.0 <who@example.org>... No such user here


==========================================================
`, "who@example.org", "5.3.0", 553, "No such user here", ""},
		{"reason after 'For the following reason:'", head + `This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of
its recipients. This is a permanent error. The following address
failed:

who@example.org

For the following reason:

Mail size limit exceeded. For explanation visit
https://postmaster.example.net/errors

--- The header of the original message is following. ---
`, "who@example.org", "5.0.0", 0, "Mail size limit exceeded", ""},
		{"a reply wrapped onto a line naming the address again", head + `<who@example.org>: host mx.example.org[192.0.2.7] said: 550 5.1.1
    <who@example.org>: Recipient address rejected: User unknown in local
    recipient table (in reply to RCPT TO command)
`, "who@example.org", "5.1.1", 550, "said: 550 5.1.1 <who@example.org>: Recipient address rejected: User unknown in local recipient table", ""},
		{"host heading and command before the reply", head + `Your message to the following recipients cannot be delivered:

<who@example.org>:
    mx.example.org [192.0.2.7]:
>>> RCPT TO:<who@example.org>
<<< 550 5.1.1 <who@example.org>... mailbox unknown
`, "who@example.org", "5.1.1", 550, "550 5.1.1 <who@example.org>... mailbox unknown", "192.0.2.7"},
		{"message details naming sender and recipient", head + `Delivery has failed to these recipients or groups:

Your message couldn't be delivered. The mailbox was not found.

Original Message Details
Created Date:   6/1/2026 10:00:00 AM
Sender Address: someone.else@example.com
Recipient Address:      who@example.org
Subject:        hello

Error Details
Reported error: 550 5.1.1 RESOLVER.ADR.RecipNotFound; not found
DSN generated by:       ex1.example.org
`, "who@example.org", "5.1.1", 550, "550 5.1.1 RESOLVER.ADR.RecipNotFound", ""},
		{"remote server returned a quoted reply", head + `Delivery has failed to these recipients or groups:

who@example.org
The recipient's mailbox is unavailable.

Diagnostic information for administrators:

Generating server: ex1.example.net

who@example.org
mx.example.org #<mx.example.org #5.0.0 smtp; 554 rejected> #SMTP#
6/1/2026 10:00:00 AM - Remote Server at mx.example.org (192.0.2.7) returned '554 rejected by policy'
`, "who@example.org", "5.0.0", 554, "rejected", ""},
	})
}

// TestPostfixExpandedFrom: Postfix writes "<final@dom> (expanded from
// <alias>): reason" for a recipient an alias or .forward expanded; the
// parenthesis annotates the address and is no part of the reason, which
// here is a failed DNS lookup of the domain (a host that does not exist:
// BadDomain).
func TestPostfixExpandedFrom(t *testing.T) {
	raw := "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\nTo: root@mx.example.net\nSubject: Undelivered Mail Returned to Sender\n\n" +
		`I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

                   The mail system

<root@host.example.org> (expanded from <root>): Host
    or domain name not found. Name service error for
    name=host.example.org type=A: Host not found
`
	lines := Parse(crlf(raw)).Lines("t", policy.ClassifyResponse)
	if len(lines) != 1 || lines[0].Recipient != "root@host.example.org" {
		t.Fatalf("got %+v, want one line for root@host.example.org", lines)
	}
	g := lines[0]
	if strings.Contains(g.Diagnostic, "expanded from") || !strings.HasPrefix(g.Diagnostic, "Host or domain name not found") {
		t.Errorf("diagnostic %q: want the reason without Postfix's (expanded from <alias>)", g.Diagnostic)
	}
	if g.Category != "BadDomain" {
		t.Errorf("category %s, want BadDomain (diagnostic %q)", g.Category, g.Diagnostic)
	}
}

// TestRecipientListShape: Haraka's stock bounce lists every failed
// address on one "Intended Recipients:" line and gives one "Failure
// Reason:" for all of them (config/outbound.bounce_message): each listed
// address gets the reason, not the list's own line.
func TestRecipientListShape(t *testing.T) {
	raw := `From: MAILER-DAEMON@mx.example.net
To: app@example.com
Subject: failure notice

Hi. This is the Haraka Mailer program at mx.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

Intended Recipients: <one@example.org>, <two@example.org>
Failure Reason: 550 5.1.1 <one@example.org>: Recipient address rejected:
 User unknown in virtual mailbox table
`
	r := Parse(crlf(raw))
	if len(r.Recipients) != 2 {
		t.Fatalf("got %d recipients, want 2: %+v", len(r.Recipients), r.Recipients)
	}
	for i, want := range []string{"one@example.org", "two@example.org"} {
		g := r.Recipients[i]
		if g.Address != want || g.Status != "5.1.1" || g.Code != 550 || !strings.Contains(g.Diagnostic, "User unknown in virtual mailbox table") ||
			strings.Contains(g.Diagnostic, "Intended") {
			t.Errorf("recipient %d: got %s status %s code %d diagnostic %q", i, g.Address, g.Status, g.Code, g.Diagnostic)
		}
		if c := policy.ClassifyResponse(g.ClassifyInput("")); c != "InvalidRecipient" {
			t.Errorf("recipient %d: category %s, want InvalidRecipient", i, c)
		}
	}
}

// TestAddressListOnOneLine: a notice that names several failed addresses
// on one line ("a@b, c@d; e@f") reports each, with the reason that
// follows the list.
func TestAddressListOnOneLine(t *testing.T) {
	raw := `From: MAILER-DAEMON@mx.example.net
To: app@example.com
Subject: Undelivered Mail

Delivery to the following recipients failed permanently: one@example.org, <two@example.org>; three@example.org

Technical details of permanent failure:
550 5.1.1 The email account that you tried to reach does not exist.
`
	r := Parse(crlf(raw))
	var got []string
	for _, rc := range r.Recipients {
		got = append(got, rc.Address)
		if rc.Status != "5.1.1" || rc.Code != 550 || !strings.Contains(rc.Diagnostic, "does not exist") {
			t.Errorf("%s: status %s code %d diagnostic %q", rc.Address, rc.Status, rc.Code, rc.Diagnostic)
		}
	}
	if strings.Join(got, " ") != "one@example.org two@example.org three@example.org" {
		t.Errorf("recipients %v", got)
	}
}
