package message

import "testing"

func TestMailboxRate(t *testing.T) {
	for _, c := range []struct {
		r    Response
		want bool
	}{
		{Response{450, "4.2.1", "The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered."}, true},
		{Response{450, "4.2.1", "The user you are trying to contact is receiving mail too quickly."}, true},
		{Response{554, "5.2.122", "The recipient has exceeded their limit for the number of messages they can receive per hour."}, true},
		{Response{550, "5.2.121", "Recipient's per hour message receive limit from specific sender exceeded"}, true},
		{Response{450, "4.2.1", "<a@example.com>: Mailbox received too much email in a short period of time (G30)"}, true},
		{Response{450, "4.2.1", "The recipient has exceeded message rate limit. Try again later."}, true},
		// a limit of the client under a mailbox code
		{Response{452, "4.2.2", "more than 100 messages in past 1h0m0s from your ip/network"}, false},
		{Response{450, "4.2.1", "Peak SMTP relay limit exceeded for customer. This is a temporary error."}, false},
		{Response{554, "5.2.2", "Submission quota exceeded"}, false},
		// the words without a mailbox code
		{Response{451, "4.7.1", "Too many recipients from this client, rate limit exceeded, try again later"}, false},
		{Response{450, "", "Recipient is receiving too much mail"}, false},
		{Response{421, "4.7.0", "[TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume"}, false},
		{Response{450, "4.21.1", "receiving too much"}, false},
		{Response{421, "4.2.1", "The user you are trying to contact is receiving mail too quickly."}, false},
	} {
		if got := c.r.MailboxRate(); got != c.want {
			t.Errorf("%d %s %q: MailboxRate %v, want %v", c.r.Code, c.r.Enhanced, c.r.Text, got, c.want)
		}
	}
}
