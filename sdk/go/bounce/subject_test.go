package bounce

import "testing"

// TestRound20Shapes: issue 15's twentieth round, each shape in wordings
// of its own (none is a corpus row), and the wordings it must not take.
func TestRound20Shapes(t *testing.T) {
	checkShapes(t, []shapeCase{
		// the receiving server failed at its own work
		{451, "4.3.0", "could not connect to backend", TransientFailure, false},
		{550, "", "could not open mailbox", TransientFailure, false},
		{451, "", "Unable to write queue file, try again", TransientFailure, false},
		{451, "", "Could not read the forward file of the user", BadConfiguration, false},
		{452, "", "Error: couldn't create lock for user's mailbox", TransientFailure, false},
		{451, "", "Failed to contact the LDAP server", TransientFailure, false},
		{550, "", "Cannot open /var/mail/jo: permission denied", BadConfiguration, false},
		{550, "", "Mailbox could not be found", InvalidRecipient, false},
		{550, "", "Unable to relay for a@example.com", RelayDenied, false},
		{0, "", "dial tcp 192.0.2.1:25: could not connect", BadConnection, false},
		{550, "", "You cannot connect for 3 more hours", TransientFailure, true},
		// a verdict on the mailbox in a clause of its own stands: the
		// failure is how the server found out
		{550, "", "Cannot open mailbox for user: no such user", InvalidRecipient, false},
		{550, "", "Failed to open mailbox: user unknown", InvalidRecipient, false},
		{550, "", "User unknown; could not write to mailbox", InvalidRecipient, false},
		{550, "", "unable to open mailbox for u@c.example: account is disabled", InactiveMailbox, false},
		{550, "", "Removed x, but the configured file y could not be read", InvalidRecipient, true},
		// the sender as the subject of a recipient's words
		{550, "", "Sender does not exist: a@example.com", InvalidSender, false},
		{550, "", "MAIL FROM <a@example.com> rejected: user unknown", InvalidSender, false},
		{553, "", "Sender address not found", InvalidSender, false},
		{550, "", "Sender verified, but recipient b@example.com does not exist", InvalidRecipient, false},
		{550, "", "User unknown", InvalidRecipient, false},
		// an address keyed or led as the recipient's names a recipient
		{550, "", "sender=a@b.example rcpt=u@c.example: No such user here", InvalidSender, true},
		{550, "", "Message from sender a@b.example to u@c.example rejected: user unknown", InvalidSender, true},
		{550, "", "MAIL FROM:<a@b.example> RCPT TO:<u@c.example>: user unknown", InvalidSender, true},
		{550, "", "Sender <a@b.example> rejected: user unknown", InvalidSender, false},
		// what expired, in several languages
		{550, "", "This account has expired", InactiveMailbox, false},
		{0, "", "El buzón ha expirado", InactiveMailbox, false},
		{0, "", "Die Nachricht ist abgelaufen", MessageExpired, false},
		{0, "", "Le message a expiré dans la file d'attente", MessageExpired, false},
		{535, "", "Password expired", InactiveMailbox, true},
		{0, "", "El plazo de entrega ha expirado", MessageExpired, false},
		{0, "", "A mensagem expirou na fila", MessageExpired, false},
		{0, "", "TLS certificate has expired", MessageExpired, true},
		// X.4.7 in class 4 without the words of an expiry is a delay
		{0, "4.4.7", "", TransientFailure, false},
		{0, "4.4.7", "Message delivery has been delayed", TransientFailure, false},
		{0, "4.4.7", "Message expired", MessageExpired, false},
		{0, "5.4.7", "", MessageExpired, false},
		// a status with no words is no connection failure
		{0, "5.0.0", "", Other, false},
		{0, "", "", BadConnection, false},
		// a command's name inside a state identifier
		{0, "", "Connection was dropped by remote host (SENT_EHLO)", BadConnection, false},
		{0, "", "session ended in state STATE_RCPT", PolicyRelated, true},
	})
}

// TestFutileRetryBounces: a transient reply whose words say a retry will
// not succeed is bounced (RFC 3463 section 3.1's permanent failure), its
// category kept; other deferrals keep the class's action.
func TestFutileRetryBounces(t *testing.T) {
	checkActions(t, []actionCase{
		{421, "4.7.0", "[TSS09] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed.", Bounce},
		{451, "", "Your IP is blocked. Retries won't help; contact the postmaster", Bounce},
		{450, "", "Do not retry: this host does not accept your mail", Bounce},
		{451, "", "Temporary failure, please retry later", Default},
		{421, "", "Too many connections, retry in a minute", Retry},
		{550, "", "Retrying will not succeed", Default},
		// a retry bounded in time is a pace: the deferral keeps the
		// class's action (none of these said a retry would fail)
		{451, "4.7.1", "Greylisted. Please do not retry for at least 5 minutes", Default},
		{421, "4.7.0", "Too many connections from your IP. Do not retry before 60 seconds have passed", Retry},
		{450, "4.2.1", "Mailbox busy, do not retry immediately", Default},
		{451, "4.7.1", "Please don't retry sooner than 300s", Default},
		{421, "4.7.0", "Rate limited; do not retry until the top of the hour", Retry},
		{450, "4.7.1", "Try again later; retrying now will not help", Default},
		{451, "4.3.0", "Temporary failure, retrying within 10 minutes will not succeed", Default},
	})
}
