package feedback

import "testing"

// A message that is no mbox file (it does not begin with a postmark line)
// is one message, even when its body quotes postmark lines after blank
// lines, as a bounce returning an mbox excerpt or a digest does: cut at
// them, its own header and the report before the first were dropped.
func TestSplitMboxNeedsAPostmarkFirst(t *testing.T) {
	raw := "From: MAILER-DAEMON@mx.example.net\nTo: app@example.com\nSubject: Undelivered Mail\n\n" +
		"<a@example.org>: 550 5.1.1 unknown user\n\n" +
		"From a@example.org  Thu Apr 29 23:34:45 2015\nSubject: one\n\nquoted\n\n" +
		"From b@example.org  Thu Apr 29 23:35:45 2015\nSubject: two\n\nquoted\n"
	if parts := SplitMbox([]byte(raw)); len(parts) != 1 || len(parts[0]) != len(raw) {
		t.Fatalf("a message quoting two postmarks cut into %d parts", len(parts))
	}
}
