package feedback

import (
	"strings"
	"testing"
)

// TestFooterIsNoReason: a footer a relay or a scanner stamps on every
// message it passes (a rule of underscores framing a title, a signature
// delimiter "-- ") is no part of a notice: a delay warning whose only
// paragraph after its commentary is an antivirus stamp is read from its
// own sentences, and a footer that names no address and quotes no reply
// is never the reason. A rule followed by a recipient's reply is kept.
func TestFooterIsNoReason(t *testing.T) {
	warning := "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\nTo: app@example.com\n" +
		"Subject: Warning: message 1AbCdE-000001-XY delayed 48 hours\nAuto-Submitted: auto-replied\n\n" +
		"This message was created automatically by mail delivery software.\n" +
		"A message that you sent has not yet been delivered to one or more of its\n" +
		"recipients after more than 48 hours on the queue on mx.example.net.\n\n" +
		"The address to which the message has not yet been delivered is:\n\n  who@example.org\n\n" +
		"No action is required on your part. Delivery attempts will continue for\nsome time.\n\n"
	for _, footer := range []string{
		"__________ Scanner information, version 1.2 (20260101) __________\n\nThis message was scanned for viruses by Example Antivirus\nhttps://av.example.com\n",
		"-- \nExample Hosting - mail that works\nhttps://hosting.example.com\n",
		"______________________________\nThe information in this e-mail is confidential and intended only for its addressee.\n",
	} {
		rc, cat := onlyRecipient(t, warning+footer)
		if rc.Action != "delayed" || cat != "TransientFailure" {
			t.Errorf("footer %.30q: action %s category %s diagnostic %q; want delayed, TransientFailure", footer, rc.Action, cat, rc.Diagnostic)
		}
	}
	kept := "From: MAILER-DAEMON@mx.example.net\nTo: app@example.com\nSubject: Undelivered Mail\n\n" +
		"Your message could not be delivered.\n\n__________\n\n<who@example.org>: 550 5.1.1 no such user\n"
	if rc, cat := onlyRecipient(t, kept); rc.Status != "5.1.1" || cat != "InvalidRecipient" {
		t.Errorf("rule before a reply: status %s category %s diagnostic %q", rc.Status, cat, rc.Diagnostic)
	}
}

// TestQmailSeparatorShape: qmail ends its notice with a separator line
// before the returned message: three dashes, a space, one sentence ending
// in a full stop. Localized qmail builds translate the sentence, so the
// line is known by its shape before the original (a header block, or
// nothing more when the original is a MIME part of its own), not by its
// words; it is no part of the reason.
func TestQmailSeparatorShape(t *testing.T) {
	original := "Return-Path: <app@example.com>\nReceived: from mx.example.com by mx.example.org; Mon, 1 Jun 2026 10:00:00 +0000\n" +
		"Message-ID: <q1@example.com>\nFrom: app@example.com\nTo: who@example.org\nSubject: hello\n\nbody\n"
	head := "From: MAILER-DAEMON@mx.example.org\nTo: app@example.com\nSubject: failure notice\n"
	for _, sep := range []string{"--- Mensaje original adjunto.", "--- Ursprüngliche Nachricht im Anhang.", "--- Below this line is a copy of the message."} {
		inline := head + "\nHi. This is the qmail-send program at mx.example.org.\n\n<who@example.org>:\nMailbox quota exceeded.\n\n" +
			sep + "\n\n" + original
		mime := head + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\n\n" +
			"Your message could not be delivered.\n\n<who@example.org>:\nMailbox quota exceeded.\n\n" + sep + "\n\n" +
			"--B\nContent-Type: message/rfc822\n\n" + original + "--B--\n"
		for name, raw := range map[string]string{"inline": inline, "MIME part": mime} {
			rc, cat := onlyRecipient(t, raw)
			if rc.Diagnostic != "Mailbox quota exceeded." || cat != "QuotaIssues" {
				t.Errorf("%s, %q: diagnostic %q category %s", name, sep, rc.Diagnostic, cat)
			}
		}
	}
	// a line of that shape with the notice's text after it is no separator
	raw := head + "\n--- Delivery failed.\n\n<who@example.org>:\nMailbox quota exceeded.\n"
	if rc, _ := onlyRecipient(t, raw); rc.Diagnostic != "Mailbox quota exceeded." {
		t.Errorf("a heading of the separator's shape: diagnostic %q", rc.Diagnostic)
	}
}

// TestReturnedComplaint: a message that may be a feedback loop's report
// without RFC 5965's report part is a complaint (which suppresses its
// recipient) only on two independent signs: the loop's field naming the
// complaining recipient (X-HmXmrOriginalRecipient) in the top header, and
// an envelope sender at that recipient's provider that is not the
// author's. One sign alone leaves the message a report of unknown kind.
// The RFC 5965 rows are the standard's shape for reference: a report part
// with Feedback-Type and the recipient from Original-Rcpt-To or the
// returned message's headers. The messages are written here from the
// formats' shapes (RFC 5965 section 2 and 3; a delivered message's
// header as a mailbox provider stores it).
func TestReturnedComplaint(t *testing.T) {
	// the header of a newsletter as the recipient's provider delivered it
	delivered := func(top string) string {
		return top + "Received: from out.esp.example (out.esp.example [192.0.2.7]) by mx.isp.example; Mon, 1 Jun 2026 10:00:00 +0000\n" +
			"X-HmXmrOriginalRecipient: <user@isp.example>\nX-SID-PRA: news@example.com\n" +
			"Message-ID: <c2@example.com>\nDate: Mon, 1 Jun 2026 09:59:58 +0000\nFrom: News <news@example.com>\n" +
			"To: user@isp.example\nSubject: June offers\nMIME-Version: 1.0\nContent-Type: text/plain\n\nThis month's offers.\n"
	}
	arf := func(fields, original string) string {
		return "Return-Path: <fbl@isp.example>\nFrom: Feedback Loop <fbl@isp.example>\nTo: fbl@bounce.example.com\n" +
			"Subject: abuse report\nMIME-Version: 1.0\n" +
			"Content-Type: multipart/report; report-type=feedback-report; boundary=\"R\"\n\n" +
			"--R\nContent-Type: text/plain\n\nA recipient marked this message as spam.\n\n" +
			"--R\nContent-Type: message/feedback-report\n\n" + fields + "\n" +
			"--R\nContent-Type: message/rfc822\n\n" + original + "--R--\n"
	}
	original := "Return-Path: <bounces+tok@bounce.example.com>\nMessage-ID: <c3@example.com>\nFrom: news@example.com\n" +
		"To: other.user@isp.example\nSubject: offers\n\nbody\n"
	for _, tt := range []struct {
		name, raw string
		kind      Kind
		rcpt      string // the one recipient of a complaint
	}{
		{"flattened report: the loop's field and the provider's envelope sender",
			delivered("Return-Path: <staff@isp.example>\n"), KindFeedback, "user@isp.example"},
		{"flattened report for an outlook.com user, sent from the provider's other consumer domain",
			strings.ReplaceAll(delivered("Return-Path: <staff@hotmail.com>\n"), "user@isp.example", "user@outlook.com"), KindFeedback, "user@outlook.com"},
		{"flattened report for a live.co.uk user, sent from hotmail.com",
			strings.ReplaceAll(delivered("Return-Path: <staff@hotmail.com>\n"), "user@isp.example", "user@live.co.uk"), KindFeedback, "user@live.co.uk"},
		{"the loop's field, envelope sender at a host under a consumer label (not the provider's domain)",
			strings.ReplaceAll(delivered("Return-Path: <bounce@mail.outlook.example.com>\n"), "user@isp.example", "user@outlook.com"), KindUnknown, ""},
		{"the loop's field, envelope sender at an email service provider (a copy as delivered, sent on)",
			delivered("Return-Path: <bounces+x1@esp.example>\n"), KindUnknown, ""},
		{"the loop's field, envelope sender at the author's domain",
			delivered("Return-Path: <bounces@example.com>\n"), KindUnknown, ""},
		{"the loop's field, a forwarder's rewritten envelope sender (SRS)",
			delivered("Return-Path: <SRS0=Hq2b=NK=example.com=news@forward.example>\n"), KindUnknown, ""},
		{"the loop's field without an envelope sender",
			delivered(""), KindUnknown, ""},
		{"the provider's envelope sender without the loop's field",
			"Return-Path: <staff@isp.example>\nFrom: News <news@example.com>\nTo: user@isp.example\nSubject: June offers\n\nbody\n",
			KindUnknown, ""},
		{"the loop's field on a mailer daemon's message",
			"Return-Path: <>\nX-HmXmrOriginalRecipient: <user@isp.example>\nFrom: MAILER-DAEMON@mx.isp.example\n" +
				"To: news@example.com\nSubject: notice\n\nnothing here\n", KindUnknown, ""},
		{"RFC 5965: Feedback-Type and Original-Rcpt-To",
			arf("Feedback-Type: abuse\nUser-Agent: FBL/1.0\nVersion: 1\nOriginal-Rcpt-To: <user@isp.example>\n", original),
			KindFeedback, "user@isp.example"},
		{"RFC 5965: Feedback-Type, the recipient from the returned message's To",
			arf("Feedback-Type: abuse\nUser-Agent: FBL/1.0\nVersion: 1\n", original), KindFeedback, "other.user@isp.example"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := Parse(crlf(tt.raw))
			if r.Kind != tt.kind {
				t.Fatalf("kind %q type %q recipients %+v, want %q", r.Kind, r.FeedbackType, r.Recipients, tt.kind)
			}
			if tt.kind != KindFeedback {
				return
			}
			if r.FeedbackType != "abuse" || len(r.Recipients) != 1 || r.Recipients[0].Address != tt.rcpt || r.Original == nil || r.Original.MessageID == "" {
				t.Errorf("type %q recipients %+v original %+v, want abuse from %s", r.FeedbackType, r.Recipients, r.Original, tt.rcpt)
			}
		})
	}
}
