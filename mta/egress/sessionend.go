package egress

import (
	"errors"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/delivery"
	"github.com/wasmta/wasmta/mta/message"
)

// endedBeforeMail reports whether err, from a transaction on a session
// that has already carried mail, says the session ended before the
// transaction began rather than anything about the message or the pace:
// the connection was found closed at MAIL FROM without a reply (the
// destination closed it idle, or after the messages it takes per
// connection, as some close without a word), or the server answered MAIL
// FROM with a 421 that says it closed the session for idleness (Postfix's
// "421 4.4.2 ... Error: timeout exceeded", sent when it closed the idle
// connection and read by the next MAIL) or names the session or
// connection as what is used up (Yahoo's "Max message per connection
// reached, closing transmission channel", Exim's "too many messages in
// this connection"). The message was never offered: it goes out on the
// next session, without an attempt, a record or a throttling signal. A
// timeout of ours is not such an end (the server is slow, not gone), and
// a 421 that says anything else (a throttle, a shutdown) keeps its
// meaning. A fresh session's MAIL is its first, so a job put back never
// comes back here for the same reason.
func endedBeforeMail(err error) bool {
	var de *delivery.Error
	if !errors.As(err, &de) || de.Stage != delivery.StageMail || isTimeout(err) {
		return false
	}
	switch de.Response.Code {
	case 0:
		return true
	case 421:
		return sessionUsedUp(de.Response)
	}
	return false
}

// countUsedUp reports whether a refusal of a used session's MAIL FROM
// (a Result, not an error: the server keeps the session open) names the
// session's allowance of messages as what is used up, whatever its code:
// Stalwart's "452 4.4.5 Maximum number of messages per session
// exceeded.", GoDaddy's
// "550 ... exceeded the max number of messages per session. Please open
// a new session and try again", Bluehost's "550 ... max messages per
// session". As for endedBeforeMail's ends, the message was not at fault:
// the session ends and the next one takes it, without an attempt
// (TestPerConnLearnsACountRefusedWithoutAClose). Only the count's words
// are read, not "this session", which other refusals use.
func countUsedUp(r message.Response) bool {
	return hasWord(r.Text, "per connection", "per session")
}

// sessionUsedUp reports whether a 421 closes the session for its own
// sake: idle too long (X.4.2, or the words), or its allowance of messages
// used up ("per connection", or "this connection" with "message": a 421
// that only says it closes this connection, as Naver's "Your IP ... is
// filtered and this connection will be closed", keeps its meaning:
// TestSessionEndWords).
func sessionUsedUp(r message.Response) bool {
	return idleEnd(r) || countUsedUp(r) ||
		hasWord(r.Text, "this connection", "this session") && hasWord(r.Text, "message")
}

// idleEnd reports whether a 421 says the session was closed for being
// idle (X.4.2, or the words).
func idleEnd(r message.Response) bool {
	return r.Enhanced == "4.4.2" || hasWord(r.Text, "idle", "timeout", "timed out")
}

func hasWord(text string, words ...string) bool {
	t := strings.ToLower(text)
	for _, w := range words {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// busyGap is the longest a session may have waited between its last
// transaction and the MAIL that found it ended for that end to count as
// the destination's limit on messages per connection rather than its
// idle timeout: below the shortest idle timeout common servers set
// (Postfix's smtpd_timeout is 300 s, 10 s under stress; RFC 5321 4.5.3.2.7
// asks for 5 minutes), and at least maxTokenWait, the longest a session
// stays open while it waits for a rate token.
const busyGap = 5 * time.Second

// countedEnd reports whether an end endedBeforeMail found is the
// destination's count of messages per connection: a 421 that says the
// session's allowance is used up, or a close without a word, on a
// session that had not been idle (gap since its last transaction under
// busyGap). An idle end says nothing about the count.
func countedEnd(err error, gap time.Duration) bool {
	var de *delivery.Error
	if !errors.As(err, &de) || gap >= busyGap {
		return false
	}
	return de.Response.Code == 0 || !idleEnd(de.Response)
}
