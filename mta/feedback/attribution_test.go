package feedback

import "testing"

// TestReasonIsNotAnotherRecipients: a recipient whose part of a notice
// states no reason does not take the reason the notice gives for another
// recipient (a "550 5.1.1 user unknown" read for the wrong address
// suppresses it); a reason stated for every recipient still applies.
func TestReasonIsNotAnotherRecipients(t *testing.T) {
	head := "From: MAILER-DAEMON@gw.example.net\nTo: app@example.com\nSubject: Mail could not be delivered\n\n"
	for _, tt := range []struct {
		name, raw, addr, status string
		code                    int
	}{
		{"each below the list", head + "Delivery to the following recipients failed.\n\n   a@example.com\n\n   b@example.org: 550 5.1.1 user unknown\n",
			"a@example.com", "5.0.0", 0},
		{"list, then one's reply", head + "Delivery to the following recipients failed.\n\n   a@example.com\n   b@example.org\n\n" +
			"b@example.org: host mx.example.org said: 550 5.1.1 user unknown\n", "a@example.com", "5.0.0", 0},
		{"the other's reply after a blank line", head + "Could not deliver to a@example.com\n\nThe server for b@example.org said: 552 5.2.2 mailbox full\n",
			"a@example.com", "5.0.0", 0},
		{"the other's reason before it", head + "b@example.org: 550 5.1.1 user unknown\n\n   a@example.com\n",
			"a@example.com", "5.0.0", 0},
		{"one reason for all", head + "Could not be delivered because of\n550 5.1.1 User unknown\n\nThe following recipients were affected:\n   a@example.com\n   b@example.org\n",
			"a@example.com", "5.1.1", 550},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := Parse(crlf(tt.raw))
			for _, g := range r.Recipients {
				if g.Address != tt.addr {
					continue
				}
				if g.Status != tt.status || g.Code != tt.code {
					t.Errorf("%s: status %s code %d diagnostic %q, want status %s code %d", g.Address, g.Status, g.Code, g.Diagnostic, tt.status, tt.code)
				}
				return
			}
			t.Fatalf("%s not reported: %+v", tt.addr, r.Recipients)
		})
	}
}

// TestDSNReasonIsNotAnotherRecipients: a DSN recipient whose
// Diagnostic-Code says little (a delivery agent's exit status) and whom
// the notice does not name does not take the reason the notice gives for
// another recipient of the same DSN.
func TestDSNReasonIsNotAnotherRecipients(t *testing.T) {
	raw := `From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.net>
To: app@example.com
Subject: Returned mail: see transcript for details
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

   ----- The following addresses had permanent fatal errors -----
<who@example.org>
    (reason: 550 5.1.1 <who@example.org>... User unknown)

   ----- Transcript of session follows -----
... while talking to mx.example.org.:
>>> RCPT To:<who@example.org>
<<< 550 5.1.1 <who@example.org>... User unknown
550 5.1.1 <who@example.org>... User unknown

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.example.net

Final-Recipient: RFC822; local@example.net
Action: failed
Status: 5.0.0
Diagnostic-Code: X-Unix; 67

Final-Recipient: RFC822; who@example.org
Action: failed
Status: 5.1.1
Remote-MTA: DNS; mx.example.org
Diagnostic-Code: SMTP; 550 5.1.1 <who@example.org>... User unknown

--b--
`
	r := Parse(crlf(raw))
	for _, g := range r.Recipients {
		if g.Address == "local@example.net" && (g.Code != 0 || g.Status != "5.0.0") {
			t.Errorf("%s: status %s code %d diagnostic %q: the other recipient's reason", g.Address, g.Status, g.Code, g.Diagnostic)
		}
	}
	if len(r.Recipients) != 2 {
		t.Fatalf("%d recipients, want 2: %+v", len(r.Recipients), r.Recipients)
	}
}

// TestContactAddressIsNoRecipient: an address a notice gives for help
// after words of failure ("If you think this error is wrong, contact:
// postmaster@...") is no failed recipient.
func TestContactAddressIsNoRecipient(t *testing.T) {
	head := "From: MAILER-DAEMON@gw.example.net\nTo: app@example.com\nSubject: Undelivered Mail Returned to Sender\n\n"
	for _, raw := range []string{
		head + "Your message could not be delivered to who@example.org.\n\n550 5.1.1 user unknown\n\nIf you think this error is wrong, contact: postmaster@gw.example.net\n",
		head + "Delivery to the following recipient failed permanently:\n\n     who@example.org\n\nTechnical details of permanent failure:\n550 5.1.1 user unknown\n\nFor help with this error please write to: helpdesk@example.net\n",
		head + "Delivery failed. For questions about the failure, send an e-mail to <support@example.net>\n\nwho@example.org: 550 5.1.1 user unknown\n",
		head + "who@example.org: 550 5.1.1 user unknown\n\nPlease contact postmaster@gw.example.net\n",
		head + "who@example.org: 550 5.1.1 user unknown\n\nFor assistance contact helpdesk@example.net.\n",
	} {
		r := Parse(crlf(raw))
		if len(r.Recipients) != 1 || r.Recipients[0].Address != "who@example.org" {
			t.Errorf("recipients %+v, want who@example.org alone", r.Recipients)
		}
	}
	// Words of writing or support before the failed address are no
	// contact's.
	for _, raw := range []string{
		head + "Sorry, we were unable to deliver your e-mail to <who@example.org>.\n\n550 5.1.1 user unknown\n",
		head + "Delivery failed: the server does not support SMTPUTF8 for: who@example.org\n",
	} {
		r := Parse(crlf(raw))
		if len(r.Recipients) != 1 || r.Recipients[0].Address != "who@example.org" {
			t.Errorf("recipients %+v, want who@example.org", r.Recipients)
		}
	}
}
