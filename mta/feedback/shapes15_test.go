package feedback

import (
	"strings"
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
)

// onlyRecipient parses raw and returns its one recipient and the built-in
// classifier's category for it.
func onlyRecipient(t *testing.T, raw string) (Recipient, string) {
	t.Helper()
	r := Parse(crlf(raw))
	if len(r.Recipients) != 1 {
		t.Fatalf("got %+v, want one recipient", r.Recipients)
	}
	rc := r.Recipients[0]
	return rc, policy.ClassifyResponse(rc.ClassifyInput(""))
}

// TestInlineReplyLabel: a notice may give the remote server's reply on
// the line of its own sentences, after a label stated as a clause (Gmail's
// "... The error that the other server returned was: 550 ...", "The
// response was: 452 ..."). The reply is read there, with its code, and is
// the diagnostic without the notice's sentences before it, whose words
// ("rejected by the recipient domain") are no reason.
func TestInlineReplyLabel(t *testing.T) {
	for _, c := range []struct{ label, reply, code, category string }{
		{"The error that the other server returned was:", "550 550 Address unknown (state 14).", "550", "InvalidRecipient"},
		{"The response was:", "452 4.2.2 The email account that you tried to reach is over quota.", "452", "QuotaIssues"},
	} {
		raw := "From: Mail Delivery Subsystem <mailer-daemon@mail.example.net>\nTo: app@example.com\n" +
			"Subject: Delivery Status Notification (Failure)\n\n" +
			"Delivery to the following recipient failed permanently:\n\n     who@example.org\n\n" +
			"Technical details of permanent failure:\n" +
			"The mail system tried to deliver your message, but it was rejected by the recipient domain. " +
			"Please contact the other email provider for further information. " + c.label + " " + c.reply + "\n\n" +
			"   ----- Original message -----\n\nSubject: hello\n\nbody\n"
		rc, cat := onlyRecipient(t, raw)
		if rc.Diagnostic != c.reply || rc.Code == 0 || !strings.HasPrefix(rc.Diagnostic, c.code) || cat != c.category {
			t.Errorf("%s: code %d diagnostic %q category %s; want %s, the reply alone, %s", c.label, rc.Code, rc.Diagnostic, cat, c.code, c.category)
		}
	}
}

// TestQmailGiveUpOnHost: qmail-remote's "Giving up on 192.0.2.1." after
// a remote host's reply names the host it stops trying; it is no part of
// the reply and does not say that the message's time ran out (RFC 3463's
// X.4.7), so the reply ends before it and the reply decides.
func TestQmailGiveUpOnHost(t *testing.T) {
	raw := `From: MAILER-DAEMON@mail.example.net
To: app@example.com
Subject: failure notice

Hi. This is the qmail-send program at mail.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<who@example.org>:
192.0.2.1 does not like recipient.
Remote host said: 550 Requested action not taken: mailbox unavailable
Giving up on 192.0.2.1.

--- Below this line is a copy of the message.

Subject: hello

body
`
	rc, cat := onlyRecipient(t, raw)
	if strings.Contains(rc.Diagnostic, "Giving up") || rc.Code != 550 || cat == "MessageExpired" {
		t.Errorf("code %d diagnostic %q category %s: want the reply without qmail's remark, not MessageExpired", rc.Code, rc.Diagnostic, cat)
	}
}

// TestCommentaryIsNoReason: what a notice says will happen next ("No
// action is required on your part. Delivery attempts will continue ...",
// "Message will be retried for 2 more day(s)") follows the address but is
// no reason: the reason is read around it, and the commentary is the
// diagnostic only when the notice says nothing else.
func TestCommentaryIsNoReason(t *testing.T) {
	head := "From: Mail Delivery System <Mailer-Daemon@mail.example.net>\nTo: app@example.com\nSubject: Warning: message delayed 24 hours\n\n"
	t.Run("delay warning with no reason", func(t *testing.T) {
		rc, cat := onlyRecipient(t, head+`This message was created automatically by mail delivery software.

A message that you sent has not yet been delivered to all its recipients
after more than 24 hours on the queue on mail.example.net.

The address to which the message has not yet been delivered is:

  who@example.org

No action is required on your part. Delivery attempts will continue for
some time, and this warning may be repeated at intervals if the message
remains undelivered.
`)
		if rc.Action != "delayed" || strings.Contains(rc.Diagnostic, "No action") || !strings.Contains(rc.Diagnostic, "24 hours") || cat != "TransientFailure" {
			t.Errorf("action %s diagnostic %q category %s: want delayed, the notice's statement of the delay, TransientFailure", rc.Action, rc.Diagnostic, cat)
		}
	})
	t.Run("schedule before the details", func(t *testing.T) {
		rc, _ := onlyRecipient(t, head+`Delivery to the following recipient has been delayed:

     who@example.org

Message will be retried for 2 more day(s)

Technical details of temporary failure:
The recipient server did not accept our requests to connect. [mx.example.org. (10): Connection timed out]
`)
		if !strings.HasPrefix(rc.Diagnostic, "The recipient server did not accept") {
			t.Errorf("diagnostic %q: want the technical details without the schedule", rc.Diagnostic)
		}
	})
	t.Run("commentary alone", func(t *testing.T) {
		rc, cat := onlyRecipient(t, head+`THIS IS A WARNING MESSAGE ONLY.

Delivery to the following recipient has been delayed:

     who@example.org

Message will be retried for 2 more day(s)
`)
		if rc.Diagnostic != "Message will be retried for 2 more day(s)" || cat != "TransientFailure" {
			t.Errorf("diagnostic %q category %s: want the schedule, all the notice says, and TransientFailure (RFC 3463's class 4)", rc.Diagnostic, cat)
		}
	})
}

// TestListReferenceIsNoCause: the words with which a notice points at its
// list of recipients ("Delivery to the following recipient failed
// permanently:", Haraka's "Some recipients failed") say whom, not why; a
// notice that states no cause is read as one, not as a refused recipient.
// The diagnostic keeps the notice's words.
func TestListReferenceIsNoCause(t *testing.T) {
	for name, raw := range map[string]string{
		"heading": `From: Mail Delivery Subsystem <mailer-daemon@mail.example.net>
To: app@example.com
Subject: Delivery Status Notification (Failure)

This is an automatically generated Delivery Status Notification

Delivery to the following recipient failed permanently:

     who@example.org

   ----- Original message -----

Subject: hello

body
`,
		"labelled reason": `From: MAILER-DAEMON@mx.example.net
To: app@example.com
Subject: failure notice

I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

Intended Recipients: <who@example.org>
Failure Reason: Error: Some recipients failed: <who@example.org>
`,
	} {
		rc, cat := onlyRecipient(t, raw)
		if rc.Diagnostic == "" || cat != "Other" {
			t.Errorf("%s: diagnostic %q category %s: want the notice's words, Other", name, rc.Diagnostic, cat)
		}
	}
	if got := withoutListRefs("A message has not yet been delivered to all its recipients after 24 hours"); got != "A message has not yet been delivered after 24 hours" {
		t.Errorf("withoutListRefs: %q", got)
	}
	for _, s := range []string{"452 4.5.3 Too many recipients", "550 The recipient does not exist", "No valid recipients"} {
		if got := withoutListRefs(s); got != s {
			t.Errorf("withoutListRefs(%q) = %q: a reply's own words stay", s, got)
		}
	}
}

// TestTranslatedStatus: a reply quoted without an enhanced code of its
// own ("553 Sender Policy Framework (SPF) fail") comes with the reporting
// MTA's translation of its bare code in the Status field (Sendmail's
// 5.1.1 or 5.1.3 for a 553), which says no more than the code: the
// classifier reads the code and the reply's words, the recipient keeps
// the status. A reply with its own enhanced code is classified with it.
func TestTranslatedStatus(t *testing.T) {
	dsn := func(status, diag string) string {
		return "From: MAILER-DAEMON@mx.example.net\nTo: app@example.com\nSubject: Returned mail\n" +
			"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n" +
			"--B\nContent-Type: text/plain\n\nThe original message was received from localhost.\n\n" +
			"--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n" +
			"Final-Recipient: RFC822; who@example.org\nAction: failed\nStatus: " + status +
			"\nDiagnostic-Code: SMTP; " + diag + "\n\n--B--\n"
	}
	for _, c := range []struct{ status, diag, wantEnhanced, category string }{
		{"5.1.1", "553 Sender Policy Framework (SPF) fail", "", "AuthenticationFailed"},
		{"5.1.3", "553 http://www.spamhaus.org/query/bl?ip=192.0.2.7", "", "SpamBlock"},
		{"5.1.1", "550 5.1.1 <who@example.org>... User unknown", "5.1.1", "InvalidRecipient"},
	} {
		rc, cat := onlyRecipient(t, dsn(c.status, c.diag))
		in := rc.ClassifyInput("")
		if rc.Status != c.status || in.Enhanced != c.wantEnhanced || cat != c.category {
			t.Errorf("%q: status %s, classified with %q as %s; want status %s, %q, %s", c.diag, rc.Status, in.Enhanced, cat, c.status, c.wantEnhanced, c.category)
		}
	}
}

// TestDeliveredToIsNoRecipient: a notice that pastes another message's
// header (a bounce forwarded inline) names that message's own recipient on
// its "Delivered-To:" line; "Delivered" there is no failure, and the
// address is no failed recipient.
func TestDeliveredToIsNoRecipient(t *testing.T) {
	raw := `From: MAILER-DAEMON@mail.example.net
To: app@example.com
Subject: Undelivered Mail Returned to Sender

I'm sorry to have to inform you that the message returned
below could not be delivered to one or more destinations.

---------------------------------
From MAILER-DAEMON  Thu Apr 29 23:34:45 2015
Return-Path: <>
Delivered-To: postmaster+x@relay.example.net
Date: Thu, 29 Apr 2015 23:34:45 +0900
From: MAILER-DAEMON@relay.example.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender

<who@example.org>: host mx.example.org[192.0.2.7] said: 550 5.1.1
    <who@example.org>: Recipient address rejected: User unknown (in reply to
    RCPT TO command)
`
	r := Parse(crlf(raw))
	for _, rc := range r.Recipients {
		if strings.HasPrefix(rc.Address, "postmaster+x@") {
			t.Errorf("recipient %s (diagnostic %q): the pasted message's Delivered-To is no failed recipient", rc.Address, rc.Diagnostic)
		}
	}
	if !hasRecipient(r.Recipients, "who@example.org") {
		t.Errorf("got %+v, want who@example.org", r.Recipients)
	}
}
