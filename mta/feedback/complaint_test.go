package feedback

import "testing"

// TestComplaintShapes: complaints without RFC 5965's report part, and a
// client's unsubscribe request.
func TestComplaintShapes(t *testing.T) {
	original := "Received: from mx.example.com by mx.isp.example; Mon, 1 Jun 2026 10:00:00 +0000\n" +
		"Return-Path: <bounces+tok@bounce.example.com>\nMessage-ID: <c1@example.com>\nFrom: app@example.com\nTo: user@isp.example\nSubject: offer\n\nbody\n"
	for _, tt := range []struct {
		name, raw string
		kind      Kind
		ftype     string
		rcpt      string
	}{
		{"report fields pasted into the text", "From: fbl@isp.example\nTo: fbl@bounce.example.com\nSubject: FW: report\n" +
			"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"P\"\n\n--P\nContent-Type: text/plain\n\n" +
			"This is an email abuse report for an email message received from IP 192.0.2.1.\n\n" +
			"Feedback-Type: abuse\nUser-Agent: Reporter/2.0\nVersion: 1\nOriginal-Rcpt-To: <user@isp.example>\nSource-IP: 192.0.2.1\n\n" +
			"--P\nContent-Type: message/rfc822\n\n" + original + "--P--\n",
			KindFeedback, "abuse", "user@isp.example"},
		{"complaint subject over a quoted original", "From: staff@mail.isp.example\nTo: fbl@bounce.example.com\n" +
			"Subject: complaint about message from 192.0.2.1\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"P\"\n\n" +
			"--P\nContent-Type: text/plain\n\nThis is a message forwarded by a user.\n\n--P\nContent-Type: message/rfc822\n\n" +
			"X-HmXmrOriginalRecipient: <real.user@isp.example>\n" + original + "--P--\n",
			KindFeedback, "abuse", "real.user@isp.example"},
		{"unsubscribe request", "From: Someone <someone@isp.example>\nTo: unsub+tok@bounce.example.com\nSubject: unsubscribe\n" +
			"X-Apple-Unsubscribe: true\n\nThis message was automatically generated.\n", KindFeedback, "opt-out", "someone@isp.example"},
		{"a bounce named spam report stays a bounce", "From: MAILER-DAEMON@mx.isp.example\nTo: app@example.com\n" +
			"Subject: Undelivered: spam report\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"P\"\n\n" +
			"--P\nContent-Type: text/plain\n\n<user@isp.example>: 550 5.1.1 no such user\n\n--P\nContent-Type: message/rfc822\n\n" + original + "--P--\n",
			KindBounce, "", "user@isp.example"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := Parse(crlf(tt.raw))
			if r.Kind != tt.kind || r.FeedbackType != tt.ftype || len(r.Recipients) != 1 || r.Recipients[0].Address != tt.rcpt {
				t.Errorf("kind %q type %q recipients %+v; want %q %q %s", r.Kind, r.FeedbackType, r.Recipients, tt.kind, tt.ftype, tt.rcpt)
			}
		})
	}
}

// TestAutoreplySubjects: automatic replies in other languages, by subject
// alone.
func TestAutoreplySubjects(t *testing.T) {
	for _, subj := range []string{"Automatische Antwort: hello", "Réponse automatique : hello", "Respuesta automática: hola",
		"=?UTF-8?B?6Ieq5YuV5b+c562U?= hello", "Autosvar: hej"} {
		r := Parse(crlf("From: Someone <someone@example.org>\nTo: app@example.com\nSubject: " + subj + "\n\nAway.\n"))
		if r.Kind != KindAutoreply {
			t.Errorf("%q: kind %q", subj, r.Kind)
		}
	}
}

// TestAutoreplyHeaders: automatic replies known by their header fields
// under a subject that says nothing: RFC 3834's keyword with a comment or
// a parameter after it, and Exchange's inbox-rule reply.
func TestAutoreplyHeaders(t *testing.T) {
	for _, tc := range []struct {
		name, fields string
		want         Kind
	}{
		{"keyword with a comment", "Auto-Submitted: auto-replied (vacation responder)\n", KindAutoreply},
		{"comment before the keyword", "Auto-Submitted: (mailbox rule) auto-replied\n", KindAutoreply},
		{"keyword with a parameter", "Auto-Submitted: auto-replied; owner-email=\"someone@example.org\"\n", KindAutoreply},
		{"Exchange inbox rule", "X-Auto-Response-Suppress: All\nX-MS-Exchange-Inbox-Rules-Loop: someone@example.org\n", KindAutoreply},
		{"suppression alone is no reply", "X-Auto-Response-Suppress: All\n", KindUnknown},
		{"keyword no", "Auto-Submitted: no (sent by a person)\n", KindUnknown},
	} {
		r := Parse(crlf("From: Someone <someone@example.org>\nTo: app@example.com\nSubject: Re: your order\n" + tc.fields + "\nHello.\n"))
		if r.Kind != tc.want {
			t.Errorf("%s: kind %q, want %q", tc.name, r.Kind, tc.want)
		}
	}
}
