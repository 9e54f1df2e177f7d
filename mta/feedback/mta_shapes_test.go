package feedback

import "testing"

// TestMoreMTAShapes: notices in the layouts of more MTAs and gateways,
// written for this test after each one's general shape: where the failed
// address stands and where the remote's reply follows it.
func TestMoreMTAShapes(t *testing.T) {
	head := "From: MAILER-DAEMON@gw.example.net\nTo: app@example.com\nSubject: Mail could not be delivered\n\n"
	runShapeCases(t, []shapeCase{
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
	})
}
