package feedback

import (
	"strings"
	"testing"
)

// TestBestParagraphPrefersACause checks the ranking of a notice's
// paragraphs when no recipient block states the reason: a quoted reply,
// then a paragraph naming a cause, then one that only says delivery failed.
func TestBestParagraphPrefersACause(t *testing.T) {
	preamble := "A message that you sent could not be delivered to one or more of its\nrecipients. The following address(es) failed:"
	tests := []struct {
		name, notice, want string
	}{
		{"cause under the address beats the preamble",
			preamble + "\n\n  deliver to /var/mail/box\n    mailbox is full: retry timeout exceeded",
			"deliver to /var/mail/box mailbox is full: retry timeout exceeded"},
		{"a quoted reply beats a cause",
			"The mailbox is full.\n\nremote server said: 552 5.2.2 over quota",
			"remote server said: 552 5.2.2 over quota"},
		{"only the preamble", preamble, strings.ReplaceAll(preamble, "\n", " ")},
		{"nothing about a failure", "Hello,\n\nsee you soon", ""},
	}
	for _, tt := range tests {
		if got := bestParagraph(strings.Split(tt.notice, "\n")); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
