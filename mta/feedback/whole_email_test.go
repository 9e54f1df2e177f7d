package feedback

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

// TestExpiryIsTheStatus: a report that quotes no reply and whose status
// says only its class, but whose words say the reporting MTA gave the
// message up for time or attempts, has RFC 3463's X.4.7 (delivery time
// expired); a quoted reply or a status that says more is kept.
func TestExpiryIsTheStatus(t *testing.T) {
	head := "From: MAILER-DAEMON@mx.example.net\nTo: app@example.com\nSubject: Undeliverable mail\n\n"
	dsn := func(action, status, diag string) string {
		s := "From: MAILER-DAEMON@mx.example.net\nTo: app@example.com\nSubject: failure\n" +
			"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\n\n" +
			"--b\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n" +
			"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n" +
			"Final-Recipient: rfc822; who@example.org\nAction: " + action + "\nStatus: " + status + "\n"
		if diag != "" {
			s += "Diagnostic-Code: smtp; " + diag + "\n"
		}
		return s + "\n--b--\n"
	}
	runShapeCases(t, []shapeCase{
		{"seconds in the queue, then giving up", head + `who@example.org:
Could not deliver for the last 259200 seconds. Giving up.
`, "who@example.org", "5.4.7", 0, "Giving up", ""},
		{"attempts counted", head + `Delivery failed 12 attempts: who@example.org
`, "who@example.org", "5.4.7", 0, "12 attempts", ""},
		{"hours in the notice, the route in the details", head + `Delivery to the following recipients was aborted after 6.0 hour(s):

  * who@example.org

Technical details:

Routing: no route towards the destination
`, "who@example.org", "5.4.7", 0, "Routing", ""},
		{"an expired action", dsn("expired", "5.0.0", ""), "who@example.org", "5.4.7", 0, "", ""},
		{"a reply says why: kept", head + `<who@example.org>:
Remote host said: 550 no such user. Giving up on 192.0.2.7.
`, "who@example.org", "5.0.0", 550, "no such user", ""},
		{"a specific status: kept", dsn("failed", "5.2.2", "mailbox is full: retry timeout exceeded"), "who@example.org", "5.2.2", 0, "mailbox is full", ""},
		{"no expiry words: kept", dsn("failed", "5.0.0", "unrouteable address"), "who@example.org", "5.0.0", 0, "unrouteable", ""},
		// qmail's and Haraka's preamble on every permanent failure gives
		// up because the failure is permanent, not for time
		{"a permanent error given up: no expiry", head + `I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<who@example.org>:
Sorry, I couldn't find any host by that name.
`, "who@example.org", "5.0.0", 0, "find any host", ""},
		{"giving up on a host: no expiry", dsn("failed", "5.0.0", "Connected to 192.0.2.7 but the message was refused. Giving up on 192.0.2.7."), "who@example.org", "5.0.0", 0, "refused", ""},
	})
}

// TestStageOfTheReply: the SMTP stage a quoted reply answered, read in
// each MTA family's words, reaches the classify hook as Stage.
func TestStageOfTheReply(t *testing.T) {
	head := "From: MAILER-DAEMON@mx.example.net\nTo: app@example.com\nSubject: Undelivered Mail Returned to Sender\n\n"
	for _, tc := range []struct {
		name, raw, want string
	}{
		{"qmail-remote at RCPT", head + `<who@example.org>:
192.0.2.7 does not like recipient.
Remote host said: 550 5.1.1 no mailbox here by that name
`, "rcpt"},
		{"qmail-remote after the data", head + `<who@example.org>:
192.0.2.7 failed after I sent the message.
Remote host said: 554 5.7.1 message content refused
`, "data"},
		{"Postfix, wrapped", head + `<who@example.org>: host mx.example.org[192.0.2.7] said: 554 Message
    refused (in reply to end of
    DATA command)
`, "data"},
		{"Postfix, the greeting", head + `<who@example.org>: host mx.example.org[192.0.2.7] refused to talk
    to me: 554 go away
`, "banner"},
		{"Exim, after RCPT", head + `  who@example.org
    host mx.example.org [192.0.2.7]
    SMTP error from remote mail server after RCPT TO:<who@example.org>:
    550 unknown user
`, "rcpt"},
		{"Exim, initial connection", head + `  who@example.org
    host mx.example.org [192.0.2.7]
    SMTP error from remote mail server after initial connection:
    550 Access denied
`, "banner"},
		{"a label, after RCPT command", head + `"who@example.org":
SMTP error from remote server after RCPT command:
host: mx.example.org
5.2.2 <who@example.org>... Mailbox Full
`, "rcpt"},
		{"qmail, greeting failed", head + `<who@example.org>:
Connected to 192.0.2.7 but greeting failed.
Remote host said: 554 no thanks
`, "banner"},
		{"Sendmail, the session in its own section", head + `   ----- The following addresses had permanent fatal errors -----
<who@example.org>
    (reason: 550 5.7.1 message content rejected)

   ----- Transcript of session follows -----
... while talking to mx.example.org.:
>>> DATA
<<< 550 5.7.1 message content rejected
554 5.0.0 Service unavailable
`, "data"},
		{"Sendmail, refused at the greeting", head + `   ----- Transcript of session follows -----
... while talking to mx.example.org.:
<<< 554 5.7.1 go away
554 5.0.0 Service unavailable
<who@example.org>... Deferred
`, "banner"},
		{"no stage said", head + `<who@example.org>: 550 5.1.1 unknown user
`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Parse(crlf(tc.raw))
			if len(r.Recipients) == 0 {
				t.Fatalf("no recipients")
			}
			rc := r.Recipients[0]
			if rc.Stage != tc.want || rc.ClassifyInput("").Stage != tc.want {
				t.Errorf("stage %q (classify input %q), want %q; diagnostic %q", rc.Stage, rc.ClassifyInput("").Stage, tc.want, rc.Diagnostic)
			}
		})
	}
}

// TestSplitMbox: an mbox file's messages are read one by one; a file of
// one message, or a body line that begins with "From ", is one message.
func TestSplitMbox(t *testing.T) {
	msg := func(rcpt string) string {
		return "From MAILER-DAEMON  Thu Apr 29 23:34:45 2015\nFrom: MAILER-DAEMON@mx.example.net\nTo: app@example.com\nSubject: Undelivered Mail\n\n<" +
			rcpt + ">: 550 5.1.1 unknown user\n\nFrom here on, nothing.\n\n"
	}
	parts := SplitMbox([]byte(msg("a@example.org") + msg("b@example.org")))
	if len(parts) != 2 {
		t.Fatalf("%d messages, want 2", len(parts))
	}
	for i, want := range []string{"a@example.org", "b@example.org"} {
		if r := Parse(parts[i]); len(r.Recipients) != 1 || r.Recipients[0].Address != want {
			t.Errorf("message %d: %+v", i, r.Recipients)
		}
	}
	if n := len(SplitMbox([]byte(msg("a@example.org")))); n != 1 {
		t.Errorf("one message read as %d", n)
	}
}

// TestListAndAgentShapes: layouts of a mailing-list server's refusal
// (fml), a provider's notice with framed sections (BIGLOBE), a Sieve
// rejection by the delivery agent (Dovecot's disposition notification)
// and Google Groups' refusal of a post, written after each one's general
// shape.
func TestListAndAgentShapes(t *testing.T) {
	runShapeCases(t, []shapeCase{
		{"list server: not a member", "From: list-admin@example.org\nTo: app@example.com\nSubject: NOT MEMBER article from app@example.com\n" +
			"X-MLServer: fml [fml 8.0]\nMessage-ID: <200001010000.FML12345.list@example.org>\n\n" +
			"You are not a member of this mailing list <list@example.org>.\n\n" +
			"If you know the general guide of this list, please send mail with the mail body\n\n\thelp\n\nto the address\n\n\t<list-ctl@example.org>\n\n" +
			"Original mail as follows:\n\nFrom: app@example.com\nTo: list@example.org\nSubject: hi\n\nbody\n",
			"list@example.org", "5.0.0", 0, "not a member of this mailing list", "Subject: hi"},
		{"framed sections", "From: postmaster@mail.example.net\nTo: app@example.com\nSubject: Returned mail: Delivery failed\n" +
			"Content-Type: multipart/mixed; boundary=\"B\"\n\n--B\nContent-Type: text/plain; charset=us-ascii\n\n" +
			"   ----- The following addresses had delivery problems -----\nwho@example.org\n\n" +
			"   ----- Non-delivered information -----\nThe number of messages in recipient's mailbox exceeded the local limit.\n\n" +
			"--B\nContent-Type: message/rfc822\n\nFrom: app@example.com\nTo: who@example.org\nSubject: hi\n\nbody\n--B--\n",
			"who@example.org", "5.0.0", 0, "exceeded the local limit", ""},
		{"Sieve rejection", "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>\nTo: app@example.com\nSubject: Automatically rejected mail\n" +
			"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=disposition-notification; boundary=\"B\"\n\n" +
			"--B\nContent-Type: text/plain; charset=utf-8\n\nYour message to <who@example.org> was automatically rejected:\n" +
			"Quota exceeded (mailbox for user is full)\n\n--B\nContent-Type: message/disposition-notification\n\n" +
			"Reporting-UA: mx.example.org; Dovecot Mail Delivery Agent\nFinal-Recipient: rfc822; who@example.org\n" +
			"Disposition: automatic-action/MDN-sent-automatically; deleted\n\n--B--\n",
			"who@example.org", "5.0.0", 0, "Quota exceeded", ""},
		{"group refuses the post", "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nTo: app@example.com\n" +
			"Subject: Delivery Status Notification (Failure)\nX-Failed-Recipients: group@groups.example.com\n\n" +
			"Hello app@example.com,\n\nWe're writing to let you know that the group you tried to contact (group) may not exist, " +
			"or you may not have permission to post messages to the group.\n\n * The owner of the group may have removed this group.\n\n" +
			"----- Original message -----\n\nFrom: app@example.com\nTo: group@groups.example.com\nSubject: hi\n\nbody\n",
			"group@groups.example.com", "5.0.0", 0, "may not exist", ""},
		{"group refuses the post, in another language", "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nTo: app@example.com\n" +
			"Subject: Delivery Status Notification (Failure)\nX-Failed-Recipients: group@googlegroups.com\n\n" +
			"Bonjour app@example.com,\n\nNous vous informons que votre message n'a pas pu être publié :\n\n" +
			" * Vous avez peut-être mal saisi le nom du groupe.\n * Le propriétaire a peut-être supprimé ce groupe.\n" +
			" * Vous devez peut-être rejoindre le groupe avant de publier.\n * Ce groupe n'accepte peut-être pas les publications.\n\n" +
			"Merci,\n\nGoogle Groups\n\n----- Original message -----\n\nFrom: app@example.com\nTo: group@googlegroups.com\nSubject: hi\n\nbody\n",
			"group@googlegroups.com", "5.7.1", 0, "", ""},
		{"the remote's words under a label", "From: Mail Delivery Subsystem <mailer-daemon@mail.example.net>\nTo: app@example.com\n" +
			"Subject: Delivery Status Notification (Failure)\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"B\"\n\n" +
			"--B\nContent-Type: text/plain\n\n** Message not delivered **\n\nYour message couldn't be delivered: the settings of your " +
			"account are out of date. Check those settings and try resending.\n\nThe response was:\nUnspecified Error (SENT_SECOND_EHLO): " +
			"Smtp server does not advertise AUTH capability\n\n--B\nContent-Type: message/rfc822\n\nFrom: app@example.com\n" +
			"To: who@example.org\nSubject: hi\n\nbody\n--B--\n",
			"who@example.org", "5.0.0", 0, "does not advertise AUTH", "settings"},
	})
}

// TestSubjectStatusGivesWay: a Status that names only its subject (X.Y.0)
// gives way to the reply's more specific code of the same class, as X.0.0
// does; a code of the other class, or another X.Y.0, does not.
func TestSubjectStatusGivesWay(t *testing.T) {
	for _, tt := range []struct {
		field, inText string
		code          int
		want          string
	}{
		{"5.7.0", "5.7.1", 550, "5.7.1"},
		{"5.1.0", "5.1.1", 550, "5.1.1"},
		{"5.7.0", "5.2.0", 550, "5.7.0"},
		{"5.7.0", "4.7.1", 450, "5.7.0"},
		{"5.1.1", "5.2.2", 550, "5.1.1"},
		{"5.0.0", "5.1.10", 550, "5.1.10"},
	} {
		if got := betterStatus(tt.field, tt.inText, tt.code); got != tt.want {
			t.Errorf("betterStatus(%s, %s, %d) = %s, want %s", tt.field, tt.inText, tt.code, got, tt.want)
		}
	}
}

// TestAutoGeneratedIsNoBounce: a message marked auto-generated (RFC 3834)
// that reports no failure is an automatic message from the mailbox, like
// an auto-reply; from a system account it stays unknown.
func TestAutoGeneratedIsNoBounce(t *testing.T) {
	raw := "From: Who <who@example.org>\nTo: app@example.com\nSubject: My address has changed\nAuto-Submitted: auto-generated\n\n" +
		"Please write to my new address from now on.\n"
	r := Parse(crlf(raw))
	if r.Kind != KindAutoreply || len(r.Recipients) != 1 || r.Recipients[0].Address != "who@example.org" {
		t.Errorf("auto-generated: kind %s, recipients %+v", r.Kind, r.Recipients)
	}
	if r := Parse(crlf(strings.Replace(raw, "Who <who@example.org>", "root@example.org", 1))); r.Kind != KindUnknown {
		t.Errorf("from root: kind %s", r.Kind)
	}
}

// TestForwardedBounce: a bounce forwarded as an attachment by a message
// that names no address itself is read as the bounce; a bounce that
// quotes the original it returns is read as itself.
func TestForwardedBounce(t *testing.T) {
	inner := "From: MAILER-DAEMON@mx.example.net\nTo: app@example.com\nSubject: failure\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\nContent-Type: text/plain\n\nfailed.\n\n" +
		"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; who@example.org\n" +
		"Action: failed\nStatus: 5.2.2\nDiagnostic-Code: smtp; 552 5.2.2 mailbox full\n\n--b--\n"
	outer := "From: Relay <relay@example.net>\nTo: app@example.com\nSubject: Fw: Delivery failure\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: text/plain\n\nSee the attached notice.\n\n" +
		"--o\nContent-Type: message/rfc822\n\n" + inner + "\n--o--\n"
	r := Parse(crlf(outer))
	if len(r.Recipients) != 1 || r.Recipients[0].Address != "who@example.org" || r.Recipients[0].Status != "5.2.2" {
		t.Errorf("forwarded bounce: %+v", r.Recipients)
	}
	quoting := "From: MAILER-DAEMON@mx.example.net\nTo: app@example.com\nSubject: Undelivered Mail\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: text/plain\n\n<who@example.org>: 550 5.1.1 unknown user\n\n" +
		"--o\nContent-Type: message/rfc822\n\nFrom: app@example.com\nTo: who@example.org\nSubject: hi\n\nbody\n--o--\n"
	if r := Parse(crlf(quoting)); len(r.Recipients) != 1 || r.Recipients[0].Status != "5.1.1" {
		t.Errorf("a bounce quoting its original: %+v", r.Recipients)
	}
}

// TestComplaintRecipients: a complaint's recipients are its
// Original-Rcpt-To and Removal-Recipient addresses, each once.
func TestComplaintRecipients(t *testing.T) {
	raw := "From: fbl@isp.example\nTo: app@example.com\nSubject: complaint\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/report; report-type=feedback-report; boundary=b\n\n--b\nContent-Type: text/plain\n\nA complaint.\n\n" +
		"--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: fbl/1.0\nVersion: 1\n" +
		"Original-Rcpt-To: <who@example.org>\nOriginal-Rcpt-To: <WHO@example.org>\nRemoval-Recipient: other@example.org\n\n--b--\n"
	r := Parse(crlf(raw))
	if r.Kind != KindFeedback || len(r.Recipients) != 2 || r.Recipients[0].Address != "who@example.org" || r.Recipients[1].Address != "other@example.org" {
		t.Errorf("kind %s, recipients %+v", r.Kind, r.Recipients)
	}
}

// TestRepeatedRecipientIsOne: a DSN that reports one address in two
// blocks in a row has one recipient, the second block filling what the
// first left empty; the same address after another one is another report.
func TestRepeatedRecipientIsOne(t *testing.T) {
	raw := "From: MAILER-DAEMON@mx.example.net\nTo: app@example.com\nSubject: failure\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\nContent-Type: text/plain\n\nfailed.\n\n" +
		"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n" +
		"Final-Recipient: rfc822; who@example.org\nAction: failed\nStatus: 5.0.0\n\n" +
		"Original-Recipient: rfc822; alias@example.org\nFinal-Recipient: rfc822; WHO@example.org\nAction: failed\nStatus: 5.1.1\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 unknown user\n\n" +
		"Final-Recipient: rfc822; other@example.org\nAction: failed\nStatus: 5.2.2\nDiagnostic-Code: smtp; 552 5.2.2 full\n\n--b--\n"
	r := Parse(crlf(raw))
	if len(r.Recipients) != 2 {
		t.Fatalf("%d recipients: %+v", len(r.Recipients), r.Recipients)
	}
	// the merged recipient's Original-Recipient is the address the
	// sender specified (TestOriginalRecipientNamed)
	if g := r.Recipients[0]; g.Address != "alias@example.org" || g.Final != "who@example.org" || g.Original != "alias@example.org" || g.Status != "5.1.1" || g.Code != 550 {
		t.Errorf("first: %+v", g)
	}
	if g := r.Recipients[1]; g.Address != "other@example.org" || g.Status != "5.2.2" {
		t.Errorf("second: %+v", g)
	}
}

// TestRecipientsBeyondTheUsualPlaces: a notice still names its failed
// recipient when the delivery-status part beside it is empty, when the
// failed address is the bounce's own recipient (a message its sender sent
// to itself) or stands in its trace fields, and when a sender that is no
// mailer daemon says the delivery to an address failed and returns the
// original addressed to it.
func TestRecipientsBeyondTheUsualPlaces(t *testing.T) {
	const (
		emptyDSN = `From: Mail Delivery Subsystem <mailer-daemon@mx.example.net>
To: app@example.com
Subject: Delivery Status Notification (Failure)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary=b

--b
Content-Type: text/plain

** Message not delivered **

The response was:

550 relaying denied

--b
Content-Type: message/delivery-status


--b
Content-Type: message/rfc822

From: app@example.com
To: who@example.org
Subject: hi

hello
--b--
`
		toItself = `From: MAILER-DAEMON@mx.example.net
To: self@example.net
Subject: failure notice

I'm afraid I wasn't able to deliver your message to the following addresses.

<self@example.net>:
Remote host said: 552 Error: disk quota exceeded
`
		inTrace = `From: MAILER-DAEMON <>
To: app@example.net
X-Original-To: <who@example.org>
Subject: Mail delivery failed

There was an error delivering your mail to <who@example.org>.

mx.example.org [192.0.2.25] did not like our RCPT TO:
550 5.1.1 <who@example.org>: Recipient address rejected: User unknown
`
		noDaemon = `From: no-reply@isp.example.net
To: app@example.com
Subject: Mail
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain

Your mail sent on: Thu, 29 Apr 2013 00:00:00 +0900
     Could not be delivered to: <who@isp.example.net>
     As their mailbox is full.

--b
Content-Type: message/rfc822

From: app@example.com
To: <who@isp.example.net>
Subject: hi

hello
--b--
`
	)
	runShapeCases(t, []shapeCase{
		{"an empty delivery-status part", emptyDSN, "who@example.org", "5.0.0", 550, "relaying denied", ""},
		{"sent to itself", toItself, "self@example.net", "5.0.0", 552, "quota", ""},
		{"the failed address in the trace fields", inTrace, "who@example.org", "5.1.1", 550, "User unknown", ""},
		{"a notice from no mailer daemon", noDaemon, "who@isp.example.net", "5.0.0", 0, "mailbox is full", ""},
	})
	// an address a message names without saying a delivery to it failed
	// is still none
	r := Parse(crlf("From: friend@example.net\nTo: app@example.com\nSubject: hello\n\nPlease write to <who@example.org> instead.\n"))
	if len(r.Recipients) != 0 {
		t.Errorf("a plain message: %d recipients, want none", len(r.Recipients))
	}
}

// TestRecipientLabelsInOtherLanguages: a notice in another language names
// the failed address after its word for the recipient or the address,
// with a colon (a full-width one in Japanese and Chinese), in whatever
// charset the notice is written.
func TestRecipientLabelsInOtherLanguages(t *testing.T) {
	jp, err := japanese.ISO2022JP.NewEncoder().String("以下の宛先にメールをお届けできませんでした。\n\n宛先：who@example.jp\n理由：550 5.1.1 User unknown\n")
	if err != nil {
		t.Fatal(err)
	}
	head := "From: postmaster@mx.example.net\nTo: app@example.com\nSubject: Undeliverable mail\nMIME-Version: 1.0\n"
	runShapeCases(t, []shapeCase{
		{"German", head + "Content-Type: text/plain; charset=utf-8\n\nIhre Nachricht konnte nicht zugestellt werden.\n\n" +
			"Empfänger: wer@example.de\nGrund: 552 5.2.2 Postfach voll\n", "wer@example.de", "5.2.2", 552, "Postfach voll", ""},
		{"French", head + "Content-Type: text/plain; charset=utf-8\n\nVotre message n'a pas pu être remis.\n\n" +
			"Destinataire : qui@example.fr\nRaison : 550 5.1.1 utilisateur inconnu\n", "qui@example.fr", "5.1.1", 550, "utilisateur inconnu", ""},
		{"Japanese, ISO-2022-JP", head + "Content-Type: text/plain; charset=ISO-2022-JP\n\n" + jp, "who@example.jp", "5.1.1", 550, "User unknown", ""},
	})
}

// TestLocalizedFailureSubject: a notice whose sender is no mailer daemon
// and whose subject says "undeliverable" in another language is a bounce,
// not the auto-reply its Auto-Submitted field would otherwise make it.
func TestLocalizedFailureSubject(t *testing.T) {
	const ndr = `From: Systemadministrator <admin@corp.example.de>
To: app@example.com
Subject: Unzustellbar: Angebot
Auto-Submitted: auto-replied
Content-Type: text/plain; charset=utf-8

Ihre Nachricht hat einige oder alle Empfänger nicht erreicht.

      Betreff:	Angebot

Folgende(r) Empfänger konnte(n) nicht erreicht werden:

      wer@example.de am 01.01.2010 10:00
            Die E-Mail-Adresse ist unbekannt.
            <mx.example.de #5.1.1>
`
	r := Parse(crlf(ndr))
	if r.Kind != KindBounce || len(r.Recipients) != 1 || r.Recipients[0].Address != "wer@example.de" || r.Recipients[0].Status != "5.1.1" {
		t.Fatalf("got kind %s, recipients %+v; want a bounce of wer@example.de, 5.1.1", r.Kind, r.Recipients)
	}
}

// TestDelayWarningAction: a notice that says it is a warning only is a
// delay, even where it also says the message "could not be delivered for
// 4 hours" or heads its list "fatal errors"; a notice without those words
// that says it gave up is a failure, even when its sentence is wrapped and
// the reply says "temporarily"; a notice that states "This is a temporary
// error" is a delay though it says "could not be delivered"; a notice
// that promises word later should delivery fail permanently ("You'll be
// notified if the delivery fails permanently") has not failed yet: RFC
// 3464's Action "delayed".
func TestDelayWarningAction(t *testing.T) {
	head := "From: MAILER-DAEMON@mx.example.net\nTo: app@example.com\nSubject: Mail delivery notice\n\n"
	for _, tc := range []struct{ name, body, want string }{
		{"Postfix's delay template", `# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #

Your message could not be delivered for more than 4 hour(s).
It will be retried until it is 5 day(s) old.

<who@example.org>: host mx.example.org[192.0.2.7] said: 451 4.7.1 Please try
    again later (in reply to RCPT TO command)
`, "delayed"},
		{"a warning with a list of fatal errors", `THIS IS A WARNING MESSAGE ONLY.
YOU DO NOT NEED TO RESEND YOUR MESSAGE.

----- The following addresses had fatal errors -----
[Status: Error, Address: <who@example.org>, ResponseCode 421, , Host not reachable.]
Message will be retried for 4 more day(s)
`, "delayed"},
		{"a failure", `I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<who@example.org>: host mx.example.org[192.0.2.7] said: 550 5.1.1 unknown user
`, "failed"},
		{"a failure whose reason says temporarily, its sentence wrapped", `your message could not
be delivered to one or more recipients.

<who@example.org>: delivery temporarily suspended: connect to
    mx.example.org[192.0.2.7]:25: Connection refused
`, "failed"},
		{"a deferral stated as one", `A message that you sent could not be delivered to one or more of its
recipients. This is a temporary error. The following address(es) deferred:

  who@example.org
    Too many messages from your domain this hour. Will try again later.
`, "delayed"},
		{"a delay that promises word if it fails permanently", `Delivery incomplete

There was a temporary problem delivering your message to who@example.org.
The mail system will retry for 46 more hours. You'll be notified if the
delivery fails permanently.
`, "delayed"},
		{"a failure that says the sender was notified before", `Your message could not be delivered. You were notified earlier that
delivery was delayed; the delivery has now failed permanently.

<who@example.org>: host mx.example.org[192.0.2.7] said: 550 5.1.1 unknown user
`, "failed"},
	} {
		r := Parse(crlf(head + tc.body))
		if len(r.Recipients) != 1 || r.Recipients[0].Action != tc.want {
			t.Errorf("%s: got %+v, want one recipient, action %s", tc.name, r.Recipients, tc.want)
		}
	}
}

// TestReplyStatedApart: a notice that names the address in a sentence of
// its own ("Your message to a@b has been blocked.") and quotes the
// remote's reply under a label further down gives that reply as the
// reason; "Your message to: a@b" names the failed recipient.
func TestReplyStatedApart(t *testing.T) {
	const (
		blocked = `From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: app@example.com
Subject: Delivery Status Notification (Failure)

** Message blocked **

Your message to who@example.org has been blocked. See technical details below for more information.

The response was:

550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy.
`
		messageTo = `From: Email Security Service <postmaster@ess.example.net>
To: app@example.com
Subject: Message Not Delivered

Your message to: who@example.org
was not delivered because:
550 permanent failure for one or more recipients (who@example.org:blocked)
`
	)
	runShapeCases(t, []shapeCase{
		{"the reply under a label", blocked, "who@example.org", "5.7.26", 550, "DMARC policy", "has been blocked"},
		{"your message to:", messageTo, "who@example.org", "5.0.0", 550, "permanent failure", ""},
	})
}

// TestPastedFieldsCoverSome: a notice whose sentences name three failed
// recipients, with RFC 3464 fields pasted into its text for the first
// only, reports all three, each with the notice's sentence as its reason
// (never the pasted Status line).
func TestPastedFieldsCoverSome(t *testing.T) {
	addrs := []string{"a@example.org", "b@example.org", "c@example.net"}
	var b strings.Builder
	b.WriteString("From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\nTo: list-owner@example.com\n")
	b.WriteString("Subject: Undelivered Mail Returned to Sender\n\nYour message could not be delivered.\n\n")
	for _, a := range addrs {
		b.WriteString("<" + a + ">: Message refused as spam\n\n")
	}
	b.WriteString("Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; " + addrs[0] + "\nAction: failed\nStatus: 5.7.1\n")
	got := map[string]bool{}
	for _, rc := range Parse(crlf(b.String())).Recipients {
		got[rc.Address] = rc.Kind == KindBounce && strings.Contains(rc.Diagnostic, "refused as spam") && rc.Status[0] == '5'
		if !got[rc.Address] {
			t.Errorf("%s: kind %s status %s diagnostic %q", rc.Address, rc.Kind, rc.Status, rc.Diagnostic)
		}
	}
	for _, a := range addrs {
		if _, ok := got[a]; !ok {
			t.Errorf("%s: not reported", a)
		}
	}
}

// TestMislabelledStatusPart: a report whose first message/delivery-status
// part holds the notice's text, not RFC 3464 fields, is read from the
// part that holds the fields, and the text gives the reason.
func TestMislabelledStatusPart(t *testing.T) {
	part := func(ctype, body string) string { return "--b\nContent-Type: " + ctype + "\n\n" + body + "\n" }
	raw := "From: Mail Administrator <postmaster@example.net>\nTo: app@example.com\nSubject: Returned Mail\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n" +
		part("message/delivery-status", "Your message was not delivered:\n\n<who@example.net> does not accept text messages\n") +
		part("message/delivery-status", "Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; who@example.net\nAction: failed\nStatus: 5.3.0\n") +
		"--b--\n"
	r := Parse(crlf(raw))
	if len(r.Recipients) != 1 {
		t.Fatalf("recipients %+v, want one", r.Recipients)
	}
	if g := r.Recipients[0]; g.Address != "who@example.net" || g.Status != "5.3.0" || !strings.Contains(g.Diagnostic, "does not accept text") {
		t.Errorf("got %+v", g)
	}
}
