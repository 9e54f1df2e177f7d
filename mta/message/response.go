package message

import "strings"

// MailboxRate reports whether a reply that refuses for a rate or a quota
// is about the receiving mailbox, not the client: its enhanced code's
// subject is 2, mailbox status (RFC 3463 3.3: "something having to do
// with the mailbox has caused this DSN"), and its words name the
// receiving side (Gmail's "450 4.2.1 The user you are trying to contact
// is receiving mail at a rate ...", Exchange Online's "5.2.122 The
// recipient has exceeded their limit for the number of messages they can
// receive per hour", "450 4.2.1 Mailbox received too much email"). The
// code alone is not enough: a limit per client is sometimes given a
// mailbox code too (mox's "452 4.2.2 more than 100 messages in past 1h0m0s
// from your ip/network", Google's relay "450 4.2.1 Peak SMTP relay limit
// exceeded for customer"). Such a limit is one mailbox's: slowing the
// path down would delay every other recipient and not this one's. A 421
// is not read so: it closes the channel (RFC 5321 3.8), and every
// recipient of the transaction not yet answered gets it too.
func (r Response) MailboxRate() bool {
	e := r.Enhanced
	if r.Code == 421 || len(e) < 5 || e[1] != '.' || e[2] != '2' || e[3] != '.' {
		return false
	}
	t := strings.ToLower(r.Text)
	return strings.Contains(t, "receiv") || strings.Contains(t, "recipient") || strings.Contains(t, "mailbox")
}
