package bounce

import "testing"

// TestStateWordsNameTheirSubject: the words of round 8's families decide
// where they name what they are about — an account or mailbox switched
// off, the mailbox's space, the AUTH exchange's base64, a header's
// characters — and not where the same words are about a session, a
// sender, a service, a server's disk or an attachment.
func TestStateWordsNameTheirSubject(t *testing.T) {
	checkShapes(t, []shapeCase{
		{550, "", "[SUSPEND] Mailbox currently suspended - Please contact correspondent directly", InactiveMailbox, false},
		{550, "", "User is terminated", InactiveMailbox, false},
		{550, "", "Archived recipient", InactiveMailbox, false},
		{550, "", "This mailbox has been suspended", InactiveMailbox, false},
		{550, "", "The account of this user has been terminated", InactiveMailbox, false},
		{421, "", "mx.example.org closing connection: session has been terminated", InactiveMailbox, true},
		{554, "", "Transaction failed: connection is terminated", InactiveMailbox, true},
		{421, "4.7.0", "Delivery from 192.0.2.1 is suspended", InactiveMailbox, true},
		{550, "5.7.1", "Sending domain example.com has been suspended for abuse", InactiveMailbox, true},
		{451, "", "Service is suspended for maintenance, try later", InactiveMailbox, true},
		{550, "", "Message archived for legal hold, delivery refused", InactiveMailbox, true},
		{552, "", "Account(s) <who@example.org> does not have enough space", QuotaIssues, false},
		{452, "", "Not enough space on the server, try later", QuotaIssues, true},
		{501, "5.5.2", "base64 decoding error", ProtocolErrors, false},
		{554, "5.7.1", "Message rejected: base64 encoded executable attachment", ProhibitedContent, false},
		{550, "", "Subject contains invalid characters", ProtocolErrors, false},
		{550, "5.7.1", "Subject contains prohibited words", ProtocolErrors, true},
	})
}

// shapeCase is a reply and the category it must have, or with not the
// one it must not have.
type shapeCase struct {
	code                 int
	enhanced, text, want string
	not                  bool // want names the category it must not be
}

func checkShapes(t *testing.T, cases []shapeCase) {
	t.Helper()
	for _, tc := range cases {
		got := Classify(tc.code, tc.enhanced, tc.text)
		if (got.Category == tc.want) == tc.not {
			verb := "want"
			if tc.not {
				verb = "want other than"
			}
			t.Errorf("Classify(%d, %q, %q) = %s by %s, %s %s", tc.code, tc.enhanced, tc.text, got.Category, got.Rule(), verb, tc.want)
		}
	}
}
