package feedback

import "testing"

// TestUnmarkedAutoreply: an automatic reply without any marker header is
// known by its shape (a short text of its own that says its author is
// away and when they are back, or that it is an automatic answer); a
// human reply, list traffic and an unreadable bounce are not, even when
// they mention an absence. Written for this test after the general shape
// of vacation replies (RFC 3834 section 1), not copied from any sample.
func TestUnmarkedAutoreply(t *testing.T) {
	head := func(subject string, extra string) string {
		return "From: Dana Example <dana@example.org>\nTo: app@example.com\nSubject: " + subject + "\n" + extra +
			"Message-ID: <1@example.org>\nContent-Type: text/plain; charset=utf-8\n\n"
	}
	cases := []struct {
		name string
		raw  string
		want Kind
	}{
		{"away until, with a contact", head("Re: your order 1234", "") +
			"Thank you for your message.\n\nI am out of the office until 14 December with limited access to e-mail.\n" +
			"For urgent matters please contact orders@example.org.\n\nDana\n", KindAutoreply},
		{"German absence", head("Re: Ihre Bestellung", "") +
			"Guten Tag,\n\nich bin bis zum 14.12. nicht im Büro. In dringenden Fällen wenden Sie sich bitte an\nmeine Kollegin.\n", KindAutoreply},
		{"states it is automatic", head("Thanks for writing", "") +
			"This is an automatic reply: we have your message and a person will read it within two days.\n", KindAutoreply},
		{"acknowledgement", head("Re: my account", "") +
			"Hello,\n\nwe have received your message and will respond within two working days.\n\nThe Example support team\n", KindAutoreply},
		{"human reply confirming receipt, quoting", head("Re: my account", "In-Reply-To: <0@example.com>\n") +
			"We have received your message, thanks. I will answer tomorrow.\n\n> Please check my account.\n> Thanks\n", KindUnknown},
		{"subject names the absence", head("Dana Example is out of the office", "") + "Back on Monday.\n", KindAutoreply},
		{"subject states the author away", head("I'm away", "") + "Till the 3rd.\n", KindAutoreply},

		{"human reply quoting, mentions a vacation", head("Re: your order 1234", "In-Reply-To: <0@example.com>\n") +
			"Sorry, I was on vacation until yesterday. The order is fine.\n\nOn Mon, 1 Dec 2026, App wrote:\n> Please confirm the order.\n", KindUnknown},
		{"human reply, absence in passing", head("Re: invoice", "In-Reply-To: <0@example.com>\n") +
			"Hi,\n\nsorry for the slow answer, I was on vacation last week. The invoice is attached.\n\nDana\n", KindUnknown},
		{"human reply in a thread about absences", head("Re: Out of office policy", "") + "Looks good to me.\n", KindUnknown},
		{"list mail about holidays", head("Holiday opening hours", "List-Unsubscribe: <mailto:leave@example.org>\n") +
			"Our office is closed: we are on holiday until 5 January. Urgent orders: call us.\n", KindUnknown},
		{"human reply, Outlook quote", head("RE: meeting", "") +
			"I'm on leave then, please ask Bob.\n\n-----Original Message-----\nFrom: App\nSent: Monday\nSubject: meeting\n\nCan you come?\n", KindUnknown},
		{"failure words, unreadable bounce", head("Notice", "") +
			"Your message could not be delivered: the recipient is on leave until March and the mailbox is closed.\n", KindUnknown},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			if r := Parse(crlf(tt.raw)); r.Kind != tt.want {
				t.Errorf("kind %s, want %s (%+v)", r.Kind, tt.want, r.Recipients)
			}
		})
	}
}
