package feedback

import (
	"strings"
	"testing"
)

// TestFramedSeparator: Smail frames its section headings in bars
// ("|---- Message text follows: ----|"); the one that names the returned
// message ends the notice like an unframed separator, so the quoted
// original's header (a mail program's version, "X-Mailer: ... 5.0.2") is
// never read as the reason or its status.
func TestFramedSeparator(t *testing.T) {
	raw := `From: MAILER-DAEMON@mail.example.net
To: list-admin@example.com
Subject: mail failed, returning to sender

|------------------------- Message log follows: -------------------------|
 no valid recipients were found for this message
|------------------------- Failed addresses follow: ---------------------|
 who@host.example.org ... unknown host
|------------------------- Message text follows: ------------------------|
Received: from mx.example.com by mail.example.net with esmtp
	id <abc@mail.example.net>; Fri, 3 Aug 2001 23:59:49 -0500
Message-Id: <5.0.2.1.0.20010803@example.com>
X-Mailer: Some Mail Program Version 5.0.2
To: someone@example.com
From: Author <author@example.com>
Subject: hello

body
`
	r := Parse(crlf(raw))
	if len(r.Recipients) != 1 {
		t.Fatalf("got %+v, want one recipient", r.Recipients)
	}
	g := r.Recipients[0]
	if g.Address != "who@host.example.org" || g.Status != "5.0.0" || !strings.Contains(g.Diagnostic, "unknown host") ||
		strings.Contains(g.Diagnostic, "X-Mailer") {
		t.Errorf("got %s status %s diagnostic %q; want who@host.example.org, 5.0.0, unknown host", g.Address, g.Status, g.Diagnostic)
	}
	if r.Original == nil || r.Original.MessageID != "5.0.2.1.0.20010803@example.com" {
		t.Errorf("original %+v: want the quoted message read", r.Original)
	}
}

// TestNoStatusFromQuotedHeader: a reason paragraph that runs into a pasted
// header with no separator before it takes no status from a header field
// of that message (RFC 3463 codes are a server's, never a mail program's
// version in X-Mailer or User-Agent).
func TestNoStatusFromQuotedHeader(t *testing.T) {
	raw := `From: MAILER-DAEMON@mail.example.net
To: app@example.com
Subject: Undeliverable mail

Your message could not be delivered to who@example.org:
the mailbox is unavailable
X-Mailer: Some Mail Program Version 5.7.1
User-Agent: Another/4.4.2
`
	r := Parse(crlf(raw))
	if len(r.Recipients) != 1 {
		t.Fatalf("got %+v, want one recipient", r.Recipients)
	}
	if g := r.Recipients[0]; g.Status != "5.0.0" {
		t.Errorf("status %s (diagnostic %q): want 5.0.0, not a version from a header field", g.Status, g.Diagnostic)
	}
}

// TestInternalFinalRecipient: RFC 3464's Final-Recipient is the address
// as the reporting MTA last knew it, which may be an internal one: a
// non-Internet address type ("LOCAL;<f.b>"), a host name with no domain
// ("user@sims-ms-daemon", a message store), a source route. The sender
// knows the Original-Recipient ("the original recipient address as
// specified by the sender"): the report names that one. (Since
// bounce17's round it does so for an Internet final address too:
// TestOriginalRecipientNamed.)
func TestInternalFinalRecipient(t *testing.T) {
	dsn := func(final, orig string) string {
		return "From: MAILER-DAEMON@mx.example.net\nTo: app@example.com\nSubject: Delivery Status Notification\n" +
			"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n" +
			"--B\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n" +
			"--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n" +
			orig + "Final-Recipient: " + final + "\nAction: failed\nStatus: 5.2.2 (mailbox full)\n\n--B--\n"
	}
	for _, tt := range []struct{ final, orig, want string }{
		{"LOCAL;<f.b>", "Original-Recipient: rfc822;<f.b@example.org>\n", "f.b@example.org"},
		{"rfc822;who@sims-ms-daemon", "Original-Recipient: rfc822;who@example.org\n", "who@example.org"},
		{"rfc822;@mx.example.org:who@store", "Original-Recipient: rfc822;who@example.org\n", "who@example.org"},
		{"x400;/G=Who/S=Else/O=Corp/", "Original-Recipient: rfc822;who@example.org\n", "who@example.org"},
		// an Internet final address: the sender's still
		{"rfc822;mailbox@store.example.org", "Original-Recipient: rfc822;alias@example.org\n", "alias@example.org"},
		// no Original-Recipient: the final one, whatever it is
		{"LOCAL;<f.b>", "", "f.b"},
	} {
		r := Parse(crlf(dsn(tt.final, tt.orig)))
		if len(r.Recipients) != 1 || r.Recipients[0].Address != tt.want || r.Recipients[0].Status != "5.2.2" {
			t.Errorf("Final-Recipient %s: got %+v, want %s", tt.final, r.Recipients, tt.want)
		}
	}
}

// TestBulkMarkedResponder: responders that set no RFC 3834 field mark
// their answers "Precedence: bulk" or "junk" (so that no other responder
// answers them); with a responder's opening (thanks for the message, its
// arrival, the author's absence, a promise to answer) and outside a list,
// that is an auto-reply. The same mark on list mail, on a newsletter or
// on a message that opens otherwise is not.
func TestBulkMarkedResponder(t *testing.T) {
	head := func(prec, extra, subject string) string {
		return "From: Someone <someone@example.org>\nTo: app@example.com\nSubject: " + subject + "\n" +
			"Precedence: " + prec + "\n" + extra + "\n"
	}
	for _, tt := range []struct {
		name, raw string
		want      Kind
	}{
		{"thanks and a promise to answer", head("bulk", "", "Thank you for your e-mail") +
			"Thank you for your e-mail.\nI will endeavour to reply as soon as possible.\n\nRegards\nSomeone\n", KindAutoreply},
		{"arrival, junk", head("junk", "", "Your message") + "We have received your message and will handle it shortly.\n", KindAutoreply},
		{"absence", head("bulk", "", "hello") + "I am currently away from the office with limited access.\n", KindAutoreply},
		{"list mail saying thanks", head("bulk", "List-Post: <mailto:l@example.org>\n", "Re: patch") +
			"Thanks for your patch, I will reply on the bug.\n", KindUnknown},
		{"newsletter", head("bulk", "", "December news") + "Our December offers are here.\nSee the shop for details.\n", KindUnknown},
		{"a reply quoting its message", head("bulk", "", "Re: hello") +
			"Thanks for your note, I will reply tomorrow.\n\nOn Monday, app wrote:\n> hello\n> there\n", KindUnknown},
		{"no mark: a person's thanks", head("", "", "Re: hello") + "Thanks for your message, I will reply once I have read it.\n", KindUnknown},
	} {
		if got := Parse(crlf(tt.raw)).Kind; got != tt.want {
			t.Errorf("%s: kind %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestAutoreplySubjectInBrackets: an auto-reply subject tag in brackets,
// in the responder's language ("[Automatyczna odpowiedź] ...").
func TestAutoreplySubjectInBrackets(t *testing.T) {
	for _, subj := range []string{"[Automatic reply] test", "[Automatyczna =?iso-8859-2?Q?odpowied=BC?=] test", "(Auto-Reply) test", "[Автоответ] test"} {
		raw := "From: someone@example.org\nTo: app@example.com\nSubject: " + subj + "\n\nthe cat sat on the mat.\n"
		if got := Parse(crlf(raw)).Kind; got != KindAutoreply {
			t.Errorf("subject %q: kind %s, want autoreply", subj, got)
		}
	}
	raw := "From: someone@example.org\nTo: app@example.com\nSubject: [Photos] vacation in Spain\n\nthe cat sat on the mat.\n"
	if got := Parse(crlf(raw)).Kind; got != KindUnknown {
		t.Errorf("a tag before other words: kind %s, want unknown", got)
	}
}

// TestChallengeResponse: a challenge-response system's request (the
// message is held until its sender verifies itself to be put on the
// recipient's allowed list) is an automatic reply, never a bounce; a
// person's mail about allow lists or a confirmation link is not.
func TestChallengeResponse(t *testing.T) {
	head := "From: who@example.org\nTo: app@example.com\nSubject: Re: hello\n\n"
	for _, tt := range []struct {
		name, body string
		want       Kind
	}{
		{"link to the allowed list", "Your message was received at Thu, 20 Aug 2009 12:15:39 +0000.\n\nThis account is protected. Please click on the\n" +
			"following link to have your address added to the recipient's allowed\nlist and to ensure delivery of your email.\n\nhttps://cr.example.net/v/1234\n", KindAutoreply},
		{"verify to be whitelisted", "I use a spam protection service. Please verify that you are a person by replying to this\nmessage, and you will be whitelisted.\n", KindAutoreply},
		{"a person on allow lists", "Could you add our IP to the allowed list on your side? We tested it yesterday.\n", KindUnknown},
		{"a confirmation link alone", "Please click the following link to confirm your subscription.\nhttps://news.example.net/c/1\n", KindUnknown},
	} {
		if got := Parse(crlf(head + tt.body)).Kind; got != tt.want {
			t.Errorf("%s: kind %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestSentenceWrappedOverTheAddress: a sentence about the address that
// wraps onto a line starting with the address again ("... has reached our
// local address\na@b, but this address is no longer valid.") is one
// reason, not a second mention of the address that cuts the first.
func TestSentenceWrappedOverTheAddress(t *testing.T) {
	raw := "From: postmaster@campus.example.org\nTo: app@example.com\nSubject: Your message could not be delivered\n\n" +
		"this is the email server at the campus.\n\nYour message to who@campus.example.org has reached our local address\n" +
		"who@campus.example.org, but this email address is wrong or no longer valid.\n\nYour message has NOT been delivered.\n"
	r := Parse(crlf(raw))
	if len(r.Recipients) != 1 || !strings.Contains(r.Recipients[0].Diagnostic, "no longer valid") {
		t.Fatalf("got %+v, want who@campus.example.org with the whole sentence", r.Recipients)
	}
	if c := r.Recipients[0]; c.Status != "5.0.0" {
		t.Errorf("status %s", c.Status)
	}
}

// TestReasonBeforeTheListNotTheContactLine: a notice that states one
// reason ("the destination computer was not reachable", "Host ... is not
// responding") before its lists of recipients gives every recipient that
// reason, not the heading that announces it nor the closing line that
// says whom to write to.
func TestReasonBeforeTheListNotTheContactLine(t *testing.T) {
	raw := "From: Mail Administrator <Postmaster@mail.example.net>\nTo: app@example.com\nSubject: Mail System Error - Returned Mail\n\n" +
		"This Message was undeliverable due to the following reason:\n\n" +
		"Your message was not delivered because the destination computer was\nnot reachable within the allowed queue period.\n\n" +
		"Your message was not delivered within 2 days.\nHost example.org is not responding.\n\n" +
		"The following recipients did not receive your message:\n\n     <one@example.org>\n" +
		"The following recipients did not receive your message:\n\n     <two@example.org>\n\n" +
		"Please reply to Postmaster@mail.example.net\nif you feel this message to be in error.\n"
	r := Parse(crlf(raw))
	if len(r.Recipients) != 2 {
		t.Fatalf("got %+v, want two recipients", r.Recipients)
	}
	for _, g := range r.Recipients {
		if !strings.Contains(g.Diagnostic, "not reachable") {
			t.Errorf("%s: diagnostic %q, want the reason stated before the list", g.Address, g.Diagnostic)
		}
	}
}

// TestAddressNamedInASentence: a directory's notice that names the failed
// address inside its sentence ("The address to which your message was
// addressed, a@b, did not match ...") reports it, with the rest of the
// sentence as the reason; the addresses it offers for contact do not.
func TestAddressNamedInASentence(t *testing.T) {
	raw := "From: postmaster@example.org (Automated response from the postmaster)\nTo: list-admin@example.com\nSubject: FAILED MAIL to \"who\"\n\n" +
		"The standard form of email address here is lastnameNumber@example.org.\nThe address to\n" +
		"which your message was addressed, who@example.org, did not exactly match an\nemail address here.\n\n" +
		"The following locator information may be of help in finding another means\nof contacting \"who\":\n\n" +
		"  Who Else            +1 555-0100       whoelse4@example.org\n"
	r := Parse(crlf(raw))
	if len(r.Recipients) != 1 || r.Recipients[0].Address != "who@example.org" || !strings.Contains(r.Recipients[0].Diagnostic, "did not exactly match") {
		t.Errorf("got %+v, want who@example.org and the rest of its sentence", r.Recipients)
	}
}
