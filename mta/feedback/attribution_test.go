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
