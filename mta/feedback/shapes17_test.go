package feedback

import (
	"testing"
)

// TestOriginalRecipientNamed: RFC 3464 2.3.1's Original-Recipient is "the
// original recipient address as specified by the sender", the address on
// the sender's list; the Final-Recipient is where the reporting MTA took
// it (a forwarding, an alias's target, a mailbox store). The report names
// the sender's address and keeps the final one beside it; the notice's
// text about the final address is still that recipient's reason. When
// one original expanded into several final addresses (an alias or a
// list), each final address is a recipient of its own.
func TestOriginalRecipientNamed(t *testing.T) {
	dsn := func(notice, blocks string) string {
		return "From: MAILER-DAEMON@mx.example.net\nTo: app@example.com\nSubject: Undelivered Mail Returned to Sender\n" +
			"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n" +
			"--B\nContent-Type: text/plain\n\n" + notice + "\n--B\nContent-Type: message/delivery-status\n\n" +
			"Reporting-MTA: dns; mx.example.net\n\n" + blocks + "--B--\n"
	}
	// a forwarding: one original, one final; the reason only in the notice
	raw := dsn("I'm sorry to have to inform you that your message could not be delivered.\n\n"+
		"<forwarded.to@elsewhere.example>: host mx.elsewhere.example said: 550 5.1.1 mailbox unavailable\n",
		"Final-Recipient: rfc822; forwarded.to@elsewhere.example\nOriginal-Recipient: rfc822;who@example.org\n"+
			"Action: failed\nStatus: 5.1.1\n\n")
	r := Parse(crlf(raw))
	if len(r.Recipients) != 1 {
		t.Fatalf("forwarding: %+v", r.Recipients)
	}
	if g := r.Recipients[0]; g.Address != "who@example.org" || g.Final != "forwarded.to@elsewhere.example" || g.Code != 550 {
		t.Errorf("forwarding: %+v; want who@example.org, final forwarded.to@elsewhere.example, the notice's 550", g)
	}
	if ls := r.Lines("", nil); len(ls) != 1 || ls[0].Recipient != "who@example.org" || ls[0].FinalRecipient != "forwarded.to@elsewhere.example" {
		t.Errorf("forwarding lines: %+v", ls)
	}
	// the same address in both fields: no final address beside it
	raw = dsn("Your message could not be delivered.\n",
		"Original-Recipient: rfc822;Who@Example.org\nFinal-Recipient: rfc822; who@example.org\nAction: failed\nStatus: 5.2.2\n\n")
	if r := Parse(crlf(raw)); len(r.Recipients) != 1 || r.Recipients[0].Final != "" || r.Recipients[0].Status != "5.2.2" {
		t.Errorf("same address: %+v", r.Recipients)
	}
	// an alias expanded into two mailboxes, each failed: two recipients
	raw = dsn("The mail system\n\n<team@example.org> (expanded from <team@example.org>): unknown user: \"team\"\n\n"+
		"<one@example.org> (expanded from <team@example.org>): unknown user: \"one\"\n",
		"Final-Recipient: rfc822; team@example.org\nOriginal-Recipient: rfc822;team@example.org\nAction: failed\nStatus: 5.1.1\n"+
			"Diagnostic-Code: X-Postfix; unknown user: \"team\"\n\n"+
			"Final-Recipient: rfc822; one@example.org\nOriginal-Recipient: rfc822;team@example.org\nAction: failed\nStatus: 5.1.1\n"+
			"Diagnostic-Code: X-Postfix; unknown user: \"one\"\n\n")
	r = Parse(crlf(raw))
	if len(r.Recipients) != 2 || r.Recipients[0].Address != "team@example.org" || r.Recipients[1].Address != "one@example.org" {
		t.Errorf("expanded alias: %+v; want team@ and one@", r.Recipients)
	}
}
