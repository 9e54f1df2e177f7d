package feedback

import (
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

// TestReturnedComplaint: a feedback loop that sends the reported message
// back whole, without RFC 5965's report part or a wrapper (Microsoft's
// JMRP as a mail fetcher flattened it), is a complaint: the loop's field
// naming the complaining recipient sits in the top header and the
// envelope sender is not the author. The same field on a message its
// author sent (envelope sender at the author's domain) is no report.
func TestReturnedComplaint(t *testing.T) {
	msg := func(returnPath string) string {
		return "Return-Path: " + returnPath + "\nReceived: from mx.example.com by mx.isp.example; Mon, 1 Jun 2026 10:00:00 +0000\n" +
			"X-HmXmrOriginalRecipient: user@isp.example\nX-Reporter-IP: 192.0.2.7\n" +
			"Message-ID: <c2@example.com>\nFrom: News <news@example.com>\nTo: user@isp.example\nSubject: offer\n\nbody\n"
	}
	r := Parse(crlf(msg("staff@isp.example")))
	if r.Kind != KindFeedback || r.FeedbackType != "abuse" || len(r.Recipients) != 1 || r.Recipients[0].Address != "user@isp.example" ||
		r.Original == nil || r.Original.MessageID == "" {
		t.Errorf("returned message: kind %q type %q recipients %+v original %+v", r.Kind, r.FeedbackType, r.Recipients, r.Original)
	}
	if r := Parse(crlf(msg("<bounces@example.com>"))); r.Kind != KindUnknown {
		t.Errorf("the author's own message: kind %q, want unknown", r.Kind)
	}
}
