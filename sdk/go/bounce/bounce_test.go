package bounce

import (
	"strconv"
	"strings"
	"testing"
)

// TestRanking: each tier outranks the next (doc.go), on replies where two
// kinds of evidence disagree.
func TestRanking(t *testing.T) {
	for _, tc := range []struct {
		name           string
		code           int
		enhanced, text string
		want, rule     string
	}{
		{"specific code beats a generic phrase", 550, "5.1.1", "Recipient address rejected: spam filter", InvalidRecipient, "code 5.1.1"},
		{"specific code beats a cause phrase", 552, "5.2.2", "user unknown? no: mailbox full", QuotaIssues, "code 5.2.2"},
		{"code found in the text", 550, "", "550-5.7.26 This mail has been blocked", AuthenticationFailed, "code 5.7.26"},
		{"a suppression list beats the address status it was built from", 0, "5.1.1", "Amazon SES did not send the message to this address because it is on the suppression list for your account.", Suppressed, "provider amazon ses suppressed"},
		{"a suppression list beats X.1.x as a phrase too", 550, "5.1.1", "Recipient is on our suppression list", Suppressed, `text "suppression list"`},
		{"override beats the code", 550, "5.2.1", "The user you are trying to contact is receiving mail at a rate that prevents additional messages", RateLimited, "override gmail x.2.1 receiving too fast"},
		{"provider text beats a generic code", 550, "5.7.1", "[CS02] Message rejected", SpamBlock, "provider apple [CS02]"},
		{"phrase beats a generic code", 554, "5.7.1", "<x@example.com>: Relay access denied", RelayDenied, `text "relay access denied"`},
		{"generic code beats a generic word", 550, "5.7.1", "Message rejected", PolicyRelated, "subject 5.7.1"},
		{"generic word when no code", 550, "", "Rejected by the receiving end", PolicyRelated, `word "rejected"`},
		{"reply code when nothing else", 552, "", "go away", QuotaIssues, "reply 552"},
		{"4xx class", 450, "", "come back", TransientFailure, "class 4xx"},
		{"5xx class", 554, "", "go away", Other, "class 5xx"},
		{"no reply at all", 0, "", "", BadConnection, "no reply"},
		{"no reply, a bounce's own text", 0, "", "Disk quota exceeded", QuotaIssues, `text "quota exceeded"`},
		{"no reply, reply code in the text", 0, "", "550 5.1.1 <x@example.com>: User unknown", InvalidRecipient, "code 5.1.1"},
		{"x.4.1 from a host that answered is not 'no answer'", 550, "5.4.1", "Recipient address rejected: Access denied", InvalidRecipient, `word "address rejected"`},
		{"Postfix's access-map refusal stays policy", 554, "5.7.1", "<a@example.com>: Recipient address rejected: Access denied", PolicyRelated, "subject 5.7.1"},
		{"sender verify quoting an unroutable address", 550, "", "Verification failed for <a@example.net>\nUnrouteable address\nSender verify failed", InvalidSender, `text "sender verify failed"`},
		{"x.4.1 without a reply", 0, "4.4.1", "connect to mx.example.com: timed out", NoAnswerFromHost, "code 4.4.1"},
		{"mailbox status on a 421 is not about a mailbox", 421, "4.2.1", "Service refused, try later", TransientFailure, `text "try later"`},
		{"sender before domain", 550, "", "Sender address rejected: Domain not found", InvalidSender, `text "sender address rejected"`},
		{"x.5.1 yields to a text naming the cause", 530, "5.5.1", "Invalid command: Must issue STARTTLS first", TLSFailure, `text "starttls"`},
		{"x.5.1 with a protocol-order text stays protocol", 503, "5.5.1", "EHLO/HELO first", ProtocolErrors, `text "ehlo/helo first"`},
		{"TLS named as a word", 454, "4.7.0", "TLS not available due to local problem", TLSFailure, `text "tls not available"`},
		{"a DNSBL lookup whose list says reputation", 554, "", "Service unavailable; Client host [192.0.2.3] blocked using Trend Micro Email Reputation database", SpamBlock, `text "blocked using"`},
		{"resolver's try again is not NXDOMAIN", 0, "", "Host or domain name not found. Name service error for name=example.org type=MX: Host not found, try again", DNSFailure, `text "host not found, try again"`},
		{"a word inside a domain name is no phrase (mailhostname.example.org holds \"hostname\")", 0, "", "Host or domain name not found. Name service error for name=mailhostname.example.org type=A: Host not found", BadDomain, `text "domain name not found"`},
		{"the sending host's name still is", 550, "", "Your hostname is not allowed here", PolicyRelated, `text "hostname"`},
		{"a transient status without a reply or a cause is its class (RFC 3463 4.X.X)", 0, "4.0.0", "Delivery will be retried for 46 more hours.", TransientFailure, "class 4.X.X"},
		{"a permanent one without a cause stays undecided", 0, "5.0.0", "Delivery will not be retried.", Other, "no reply unknown text"},
		{"every mail exchanger tried without a reply (Haraka)", 0, "", "Too many failures (Tried all MXs)", BadConnection, `text "tried all mxs"`},
		{"a quoted reply's class counts", 0, "", "host mx.example.com[192.0.2.1] said: 554 go away (in reply to RCPT TO command)", Other, "class 5xx"},
		{"an expiry that quotes a connection failure is an expiry", 0, "", "Deferred: Connection refused by mx.example.com. Message could not be delivered for 5 days", MessageExpired, `text "could not be delivered for"`},
		{"an expiry that quotes a cause is the cause: a full mailbox", 0, "5.4.7", "mailbox is full: retry timeout exceeded", QuotaIssues, `text "mailbox is full"`},
		{"an expiry that quotes a cause is the cause: a failed lookup", 0, "4.4.7", "Deferred: Name server: example.co.jp.: host name lookup failure Message could not be delivered for 8 hours", DNSFailure, `text "host name lookup failure"`},
		{"an expiry that quotes a cause is the cause: an unknown user", 0, "", "retry timeout exceeded; last error: user unknown", InvalidRecipient, `text "user unknown"`},
		{"x.4.7 without a cause is an expiry", 0, "4.4.7", "Message could not be delivered for too long\nMessage will be deleted from queue", MessageExpired, "code 4.4.7"},
		{"x.4.7 and a timeout is an expiry", 0, "5.4.7", "retry timeout exceeded", MessageExpired, "code 5.4.7"},
		{"a mailbox that is full, in other words", 551, "", "bounce as<the destination mailbox <a@example.com> is full>", QuotaIssues, `text "is full"`},
		{"the system's own storage is not the mailbox's", 452, "", "4.3.1 Mail system full, try again later", TransientFailure, `text "mail system full"`},
		{"the message's size before an attachment rule", 554, "", "Recipient address rejected: Message size exceed (maybe caused by big attachment file)", MessageTooLarge, `text "message size"`},
		{"a header's size is the format's limit", 534, "", "Message header size exceeds policy limit.", ProtocolErrors, `text "header size"`},
		{"a check that could not run on a 4xx is transient (RFC 4954's 454 4.7.0)", 454, "4.7.0", "Temporary authentication failure", TransientFailure, "class 4xx check failure"},
		{"a verdict deferred keeps its check", 451, "4.7.1", "Email temporarily rejected per DMARC policy", AuthenticationFailed, `text "dmarc"`},
		{"RFC 5321's 450 stock text is a mailbox that may take mail later", 450, "", "Requested mail action not taken: mailbox unavailable", TransientFailure, "class 4xx mailbox unavailable"},
		{"the same text on a 550 is no such mailbox", 550, "", "Requested action not taken: mailbox unavailable", InvalidRecipient, "provider microsoft outlook.com unknown user"},
		{"a server's count of the client's attempts is a pace", 450, "", "Too many login attempts from your network, slow down", RateLimited, `text "slow down"`},
		{"too many attempts answered by a server", 421, "", "Too many connection attempts", RateLimited, `text "too many ... attempts"`},
		{"the queue's own count of attempts is an expiry", 0, "", "Delivery failed after 20 attempts", MessageExpired, `text "attempts"`},
		{"a generic word on a 4xx that calls it a pause", 451, "", "Recipient not verified yet, please resubmit", TransientFailure, "class 4xx deferral"},
		{"503 names a command out of order, not a sender", 503, "", "Sender already specified", ProtocolErrors, "reply 503"},
		{"503 still says authentication is required", 503, "5.5.1", "You must authenticate first.", AuthenticationFailed, `text "authenticate first"`},
		{"a command's state on 502 is not a mailbox's", 502, "5.5.1", "VRFY command is disabled", ProtocolErrors, "reply 502"},
		{"an address's characters are its syntax", 553, "", "Invalid characters in address", InvalidRecipient, `text "characters in address"`},
		{"a header's characters are the format's", 550, "", "Subject contains invalid characters", ProtocolErrors, `text "invalid characters"`},
		{"a spam trap hit refuses the host", 550, "5.7.1", "Mail to a spam trap address", SpamBlock, `text "spam trap"`},
		{"a rate named by what it counts", 421, "4.5.1", "Recipient rate exceeded", RateLimited, `text "recipient rate"`},
		{"an SMTP extension the other side lacks", 0, "", "server does not support BINARYMIME", ProtocolErrors, `text "binarymime"`},
		{"RFC 5321's stock text alone is Microsoft's unknown recipient", 550, "", "Requested action not taken: mailbox unavailable", InvalidRecipient, "provider microsoft outlook.com unknown user"},
		{"words after RFC 5321's stock text decide: a relay", 550, "", "Requested action not taken: mailbox unavailable or is not local", RelayDenied, `text "not local"`},
		{"words after RFC 5321's stock text decide: a policy", 550, "", "Requested action not taken: mailbox unavailable Reject due to policy restrictions.", PolicyRelated, `text "policy restriction"`},
		{"the stock text as a phrase, words after it decide", 450, "", "450 Requested mail action not taken: mailbox unavailable (mailbox full)", QuotaIssues, `text "mailbox full"`},
		{"a relay refused until the client authenticates", 550, "", "Authentication is required for relay", RelayDenied, `text "required for relay"`},
		{"credentials refused for a relay stay authentication", 550, "5.7.1", "Invalid credentials for relay.", AuthenticationFailed, `text "credentials"`},
		{"a recipient not authorized to receive: X.1.1 yields (X.7.1's meaning)", 550, "5.1.1", "User unauthorized to receive external mail", PolicyRelated, `text "unauthorized to receive"`},
		{"a gateway's block of the sending party", 421, "", "Sender address blocked", SpamBlock, `text "sender address blocked"`},
		{"a user on the receiver's own list", 550, "5.7.1", "Client host rejected: Blacklisted user: a@example.com", PolicyRelated, `text "blacklisted user"`},
		{"errno: a connect that got no answer", 0, "", "connect ETIMEDOUT 192.0.2.27:25", NoAnswerFromHost, `text "etimedout"`},
		{"errno: a refused connection", 0, "", "connect ECONNREFUSED 192.0.2.27:25", BadConnection, `text "econnrefused"`},
		{"errno: a name that does not exist", 0, "", "getaddrinfo ENOTFOUND mx.example.invalid", BadDomain, `text "enotfound"`},
		{"errno: a resolver that failed for now", 0, "", "queryMx EAI_AGAIN example.com", DNSFailure, `text "eai_again"`},
		{"c-ares's DNS timeout is DNS, not the host", 0, "", "queryMx ETIMEOUT example.com", DNSFailure, `text "etimeout"`},
		{"Java's unknown host", 0, "", "javax.mail.MessagingException: Unknown SMTP host; java.net.UnknownHostException: mx.example.invalid", BadDomain, `text "unknownhostexception"`},
		{"a resolver's error in other words", 0, "", "Temporary error 249 (temporary MX resolution error) resolving example.com", DNSFailure, `text "resolution error"`},
		{"a nonexistent user under a policy code", 554, "5.7.1", "<a@example.lv>: Recipient address rejected: Nonexistent user", InvalidRecipient, `text "nonexistent"`},
		{"a nonexistent domain stays a domain", 554, "", "Recipient address rejected: non-existent domain", BadDomain, `text "non-existent domain"`},
		{"x.4.3 alone is a temporary failure", 451, "4.4.3", "Temporary server error", TransientFailure, `text "temporary server error"`},
		{"x.1.1 yields to the reply code's own cause", 552, "5.1.1", "Recipient overquota", QuotaIssues, `text "overquota"`},
		{"x.1.2 yields to a relay refusal", 550, "5.1.2", "Relay not allowed.", RelayDenied, `text "relay not allowed"`},
		{"x.1.1 on a 4xx is not specific", 452, "4.1.1", "<a@example.net> user over quota", QuotaIssues, `text "over quota"`},
		{"x.4.2 on a 4xx is a bad connection", 421, "4.4.2", "mx.example.net Error: timeout exceeded", BadConnection, "code 4.4.2"},
		{"a timeout from a host that replied", 421, "", "Timeout - closing connection", BadConnection, `text "timeout"`},
		{"Gmail's x.7.27 reused for SPF", 421, "4.7.27", "This mail has been rate limited because it does not pass SPF", AuthenticationFailed, "override gmail x.7.2x rate limited unauthenticated"},
		{"the recipient's own refusal before the sender wrapper", 554, "5.7.1", "a@example.com: Sender address rejected: Blocked by this recipient", PolicyRelated, `text "blocked by this recipient"`},
		{"a terse refusal naming the sender", 554, "", "sender not welcome.", InvalidSender, `word "sender"`},
		{"a transient failed lookup before the HELO check", 450, "", "DNS timeout resolving your HELO hostname", DNSFailure, `text "dns timeout"`},
		{"a negative answer about our own reverse name is the identity check", 421, "", "Refused. Your reverse DNS entry does not resolve to an IP", PolicyRelated, `text "reverse dns entry"`},
		{"a negative answer about another name on a 4xx is DNS", 450, "", "Recipient domain example.test does not resolve", DNSFailure, `text "does not resolve"`},
		{"Exchange's submission quota on x.2.2", 554, "5.2.2", "Submission quota exceeded", RateLimited, "override microsoft x.2.2 submission quota"},
		{"a greylist served by a DNS list is a pause", 421, "4.7.1", "Service unavailable; Client host [192.0.2.1] blocked using grey.rbl - Greylisting in action, please try again later", TransientFailure, `text "greylist"`},
		{"a list that refused the receiver's query", 554, "5.7.1", "Service unavailable; Client host [a.example] blocked using multi.uribl.com; 127.0.0.1 -> Query Refused", BadConfiguration, `text "query refused"`},
		{"a callout's verdict before the causes it lists", 550, "", "Verification failed for <a@example.com> they may be blacklisted 550 Sender verify failed", InvalidSender, `text "sender verify failed"`},
		{"a listed file type is about the attachment", 550, "", "Blacklisted file extension detected", ProhibitedContent, `text "file extension"`},
		{"a Cloudmark lookup in a list's idiom is a listing", 554, "5.7.1", "Client host [192.0.2.1] blocked using cm-csi-v11; Cloudmark Poor Reputation Sender", SpamBlock, `text "blocked using"`},
		{"Cloudmark named alone is reputation", 554, "", "192.0.2.1 has a poor standing at csi.cloudmark.com", ReputationBlock, `text "csi.cloudmark.com"`},
		{"an IP blocked for what it did", 550, "", "Too many invalid recipients", ReputationBlock, `text "too many invalid recipients"`},
		{"a usage line names the command's form", 501, "", "Error: syntax: STARTTLS", ProtocolErrors, `text "syntax:"`},
		{"a session closed for its errors", 421, "4.7.0", "Error: too many unauthenticated commands", ProtocolErrors, `text "unauthenticated commands"`},
		{"the host refused as such", 554, "5.7.1", "You are not allowed to connect", SpamBlock, `text "not allowed to connect"`},
		{"a failed lookup on a 4xx before the check it served", 450, "4.4.0", "Temporary DMARC DNS lookup failure", DNSFailure, `text "dns lookup"`},
		{"x.5.3 yields to a rate", 452, "4.5.3", "rate limit exceeded", RateLimited, `text "rate limit"`},
		{"x.1.3 yields to a relay refusal", 550, "5.1.3", "Relay not permitted.", RelayDenied, `text "relay not permitted"`},
		{"x.1.1 yields to the receiver's list of senders", 550, "5.1.1", "<a@example.com> sender is blacklisted", PolicyRelated, `text "sender is blacklisted"`},
		{"x.5.3 yields to the receiver's rule for bounces", 550, "5.5.3", "bounce messages must not have more than one recipient", PolicyRelated, `text "bounce message"`},
		{"the receiver's list of senders before the blocklists' words", 554, "5.7.1", "The recipient definitively does not want your mail. We may feed it to a spam blacklist", PolicyRelated, `text "does not want your mail"`},
		{"a mailbox's storage counted in messages before the rate words", 550, "", "User has too many messages on the server", QuotaIssues, `text "messages on the server"`},
		{"encryption required without the word TLS", 501, "5.7.1", "recipient requires encrypted message transmission", TLSFailure, `text "encrypted message transmission"`},
		{"STARTTLS repeated is the protocol", 500, "", "TLS already negotiated", ProtocolErrors, `text "already negotiated"`},
		{"an unimplemented command is the protocol, whatever it names", 502, "", "Error: AUTH not implemented", ProtocolErrors, `text "not implemented"`},
		{"our own PTR named before the blocklists' your IP", 554, "", "Refused. Your reverse DNS entry contains your IP address and a country code.", PolicyRelated, `text "reverse dns entry"`},
		{"an account switched off in other words", 550, "", "This address no longer accepts mail.", InactiveMailbox, `text "no longer accepts mail"`},
		{"the recipient's blocked senders", 550, "", "Rejected by header based manually Blocked Senders", PolicyRelated, `text "manually blocked"`},
		{"the receiver's rules for bounces", 550, "", "this bounce message has too many recipients", PolicyRelated, `text "bounce message"`},
		{"a sender banned by the receiver", 550, "", "REJECTED - Sender a@example.com is banned", SpamBlock, `text "is banned"`},
		{"RFC 5321's too much mail data is a size, not a rate", 552, "", "Too much mail data", MessageTooLarge, `text "too much mail data"`},
		{"a sender's SPF record at fault before the protocol words", 550, "5.5.2", "SPF record syntax error", AuthenticationFailed, `text "spf record"`},
		{"a failed check before a filter's spam words", 554, "", "spam filter: SPF check failed for example.com", AuthenticationFailed, `text "spf check failed"`},
		{"a filter's score in SpamAssassin's idiom", 550, "", "Message refused: hits=9.1 required=5.0", SpamContent, `text "required="`},
		{"a postfix malformed reply is DNS on a 4xx", 450, "4.1.8", "<a@example.net>: Sender address rejected: Malformed DNS server reply", DNSFailure, `text "malformed dns"`},
		{"the sender domain's mail exchangers", 501, "5.4.0", "your mail exchangers are unreachable from here", InvalidSender, `text "your mail exchanger"`},
		{"a location refused by tcprules", 553, "5.7.1", "mail from your location [192.0.2.1] is denied", SpamBlock, `text "from your location"`},
		{"an inbox that is full", 452, "", "Inbox full", QuotaIssues, `text "inbox full"`},
		{"Gmail's try again later whatever command it answered", 421, "4.7.0", "Try again later, closing connection. (HELO)", TransientFailure, "provider gmail try again"},
		// round 10: RFC 5321's syntax and sequence codes against a default enhanced code
		{"a command's syntax on 501 beats a sender-address default", 501, "5.1.7", "Syntax error in RCPT TO parameters", ProtocolErrors, `text "syntax error"`},
		{"an address's syntax keeps its address code", 501, "5.1.7", "Syntax error in sender address", InvalidSender, "code 5.1.7"},
		{"a sequence code beats an undefined security status", 503, "5.7.0", "Identity already set for this session", ProtocolErrors, "reply 503"},
		{"a generic code still beats words on other codes", 550, "5.7.0", "Not allowed here", PolicyRelated, "subject 5.7.0"},
		// round 12: the 500-504 rule as MAPPING.md states it, no broader
		{"a registered policy detail on a 501 is the policy's", 501, "5.7.1", "Permission denied", PolicyRelated, "subject 5.7.1"},
		{"a word naming the object decides before a 500", 500, "", "Unauthorized relay msg rejected", RelayDenied, `word "relay"`},
		{"a sequence code beats a word that names only a verdict", 500, "", "Error: Invoking shell is not allowed", ProtocolErrors, "reply 500"},
		// round 12: families from the development sets' misses
		{"the greeting's order is the protocol, not the HELO check", 550, "", "HELO required before MAIL", ProtocolErrors, `text "helo required"`},
		{"an empty greeting argument is the protocol", 501, "5.5.4", "Empty HELO/EHLO argument not allowed", ProtocolErrors, `text "empty helo"`},
		{"LMTP's LHLO in place of HELO is the protocol", 500, "", "Error: LMTP should replace HELO and EHLO with LHLO", ProtocolErrors, `text "lhlo"`},
		{"a HELO that claims the receiver's identity", 550, "", "You are not localhost", PolicyRelated, `text "not localhost"`},
		{"a HELO that claims the receiver's address", 550, "", "192.0.2.25 is _my_ address", PolicyRelated, `text "_my_ address"`},
		{"a HELO the receiver does not believe", 550, "", "I do not believe you are mail.example.com.", PolicyRelated, `text "not believe you are"`},
		{"a verdict the receiver believes is no identity check", 550, "", "We believe you are sending spam", SpamBlock, `text "sending spam"`},
		{"a MIME boundary is the message's format", 550, "", "Boundary length too long: 1100 characters (max 1024)", ProtocolErrors, `text "boundary"`},
		{"a file name's length is the format's limit, not the attachment rule", 550, "", "Proposed filename too long: 600 characters (max 512 )", ProtocolErrors, `text "filename too long"`},
		{"a filter's score is the content's", 550, "", "This message scored 8.4 points", SpamContent, `text "message score"`},
		{"an IP address on a list is the host's listing", 550, "", "Sorry! Your IP address is blocked by RBL", SpamBlock, `text "ip address is blocked"`},
		{"an undeliverable recipient named in no other words", 550, "", "not deliverable", InvalidRecipient, `word "not deliverable"`},
		{"x.4.6 on a reply that names no loop yields to its cause", 0, "", "Although I'm listed as a best-preference MX or A for that host, it isn't in my control/locals file (#5.4.6)", BadConfiguration, `text "best-preference mx"`},
		{"x.4.6 on a reply that names a quota per period", 550, "5.4.6", "Recipient address rejected: Domains Daily Quota Exceeded", RateLimited, `text "daily quota"`},
		{"x.4.6 with a hop count stays a loop", 554, "5.4.6", "Too many hops 26 (25 max); recipient unknown", RoutingErrors, "code 5.4.6"},
		{"a host named as an unsecured proxy", 550, "", "Rejected - appears to be an unsecured proxy", SpamBlock, `text "unsecured proxy"`},
		{"a permanent mailbox status with nothing else is the mailbox refusing, not a closed one", 550, "5.2.0", "go away", PolicyRelated, "subject 5.2.0"},
		{"a mailbox status yields to any words", 550, "5.2.0", "Pager is restricted", PolicyRelated, `word "restricted"`},
		{"a transient mailbox status stays transient", 450, "4.2.0", "go away", TransientFailure, "class 4xx"},
		// round 13: qmail-remote's domain without a host; a gateway's users
		{"a name with no host is the domain's", 0, "", "Sorry, I couldn't find any host by that name.", BadDomain, `text "find any host"`},
		{"a gateway's directory names the recipient", 550, "", "'a@example.com' is not a registered gateway user", InvalidRecipient, `text "not a registered gateway user"`},
		{"a mailbox file at its size limit is the mailbox's storage", 552, "", "mail file size exceeds the maximum size allowed for mail delivery", QuotaIssues, `text "mail file size"`},
		// round 10: RFC 7208's temperror
		{"an SPF check on a transient reply is a lookup failure", 451, "4.4.3", "Cannot complete the SPF check now", DNSFailure, `text "spf"`},
		{"a DMARC verdict deferred with its policy status", 451, "4.7.1", "Deferred by DMARC policy", AuthenticationFailed, `text "dmarc"`},
		{"an SPF failure on a permanent reply", 550, "", "Message failed the SPF check", AuthenticationFailed, `text "spf"`},
		// round 10: a quota under a policy status is a sending quota
		{"a bare quota under X.7 is a sending quota", 550, "5.7.1", "Account quota exceeded for today", RateLimited, `text "quota exceeded"`},
		{"a mailbox quota under X.7 stays the mailbox's", 550, "5.7.1", "Mailbox quota exceeded", QuotaIssues, `text "mailbox quota"`},
		{"a quota under X.2.2 is the mailbox's", 552, "5.2.2", "Quota exceeded", QuotaIssues, "code 5.2.2"},
		// round 10: a line's length is the format's limit, not the size
		{"a size code yields to a line's length", 552, "5.3.4", "Text line too long", ProtocolErrors, `text "line too long"`},
		{"a size code stays a size", 552, "5.3.4", "Message too big for system", MessageTooLarge, "code 5.3.4"},
		// round 10: RFC 6409's submission rights
		{"an authenticated client refused the sender", 553, "5.7.1", "Authenticated user may not send as this address; login mismatch", InvalidSender, `text "login mismatch"`},
		{"Exchange Online's 5.7.60", 550, "5.7.60", "SMTP; Client does not have permissions", InvalidSender, "code 5.7.60"},
		{"an address on the receiver's own list", 550, "5.7.1", "That address is blacklisted here", PolicyRelated, `text "address is blacklisted"`},
		// round 10: X.1.1 as a default for a policy verdict, unless the text names X.1.1's own cause
		{"an address code yields to a policy verdict", 550, "5.1.1", "Delivery refused by local policy", PolicyRelated, `text "local policy"`},
		{"an address code stays when the text names a missing mailbox", 550, "5.1.1", "User unknown, not local address", InvalidRecipient, "code 5.1.1"},
		{"RFC 5321's 551 with a forward-path is a moved mailbox", 551, "", "User not local; please try <b@example.org>", InvalidRecipient, `text "please try <"`},
		{"551 without one stays a relay refusal", 551, "", "User not local", RelayDenied, `text "user not local"`},
		{"a sender callout's quoted 5.1.1 is the sender's", 550, "", "Verification failed for <b@example.org>\n550-Called: 192.0.2.1\n550-Response: 550 5.1.1 User unknown\n550 Sender verify failed", InvalidSender, `text "sender verify failed"`},
		{"a sender on the recipient's own list", 550, "5.7.1", "Not accepted from this sender: it is on the recipient's block list", PolicyRelated, `text "recipient's block list"`},
		{"qmail's trailing code yields to a cause phrase", 511, "", "511 sorry, can't find a valid MX for rcpt domain (#5.1.1 - chkuser)", BadDomain, `text "valid mx"`},
		{"the same code after the reply code keeps its rank", 511, "", "511 5.1.1 sorry, can't find a valid MX for rcpt domain", InvalidRecipient, "code 5.1.1"},
		{"qmail's trailing generic code yields to a word naming the object", 553, "", "553 we don't relay (#5.7.1)", RelayDenied, `word "relay"`},
		{"but not to a bare verdict", 553, "", "553 sorry, you have been denied (#5.7.1)", PolicyRelated, "subject 5.7.1"},
		{"nor on a 4xx", 421, "", "421 unable to verify recipient (#4.3.0)", TransientFailure, "subject 4.3.0"},
		{"a code given apart is never trailing", 553, "5.7.1", "we don't relay (#5.7.1)", PolicyRelated, "subject 5.7.1"},
		{"Microsoft's NDR summary for an unknown recipient", 0, "", "Your message to a@example.com couldn't be delivered. a wasn't found at example.com.", InvalidRecipient, "provider microsoft recipient not found"},
		// issue 15's sixteenth round: families keyed on structure
		{"a generic policy code on a 4xx called a pause", 451, "4.7.0", "Mail held back by local rules for now, deferred", TransientFailure, "class 4xx deferral"},
		{"a generic protocol code on a 4xx called a pause", 454, "4.5.0", "AUTH temporarily off", TransientFailure, "class 4xx deferral"},
		{"the same code on a 4xx without a pause keeps its subject", 450, "4.7.1", "Held by the site's rules", PolicyRelated, "subject 4.7.1"},
		{"Postfix's recipient wrapper around the client's address", 554, "5.7.1", "<a@example.com>: Recipient address rejected: mail from 198.51.100.7 not wanted here", SpamBlock, "subject 5.7.1 client address"},
		{"the wrapper without an address keeps its subject", 554, "5.7.1", "<a@example.com>: Recipient address rejected: Not wanted here", PolicyRelated, "subject 5.7.1"},
		{"a version number is no address", 554, "5.7.1", "<a@example.com>: Recipient address rejected: filter 1.2.3.4.5 says no", PolicyRelated, "subject 5.7.1"},
		{"greylisting is a 4xx by definition", 451, "4.7.1", "Greylisted, come back in 5 minutes", TransientFailure, `text "greylist"`},
		{"a greylist named on a 5xx leaves the other words to decide", 554, "5.7.1", "Greylist says this host is on our blocklist", SpamBlock, `text "blocklist"`},
		{"a karma plugin's score is the host's reputation", 550, "", "Your bad karma does not let you in", ReputationBlock, `text "bad karma"`},
		{"a MIME type refused is prohibited content", 550, "", "We do not take unacceptable content type image/x-icon", ProhibitedContent, `text "content type"`},
		{"a scanner's timeout on a 4xx defers", 451, "", "Virus scan timeout, try again", TransientFailure, `text "scan timeout"`},
		{"an originator field named as the header refused", 550, "5.7.1", "Broken From header", ProtocolErrors, `text "from header"`},
		{"the client addressed by its IP outranks a spam word", 450, "", "Your address 203.0.113.9 is in Asia, we get spam from there", SpamBlock, `text "your address <ip>"`},
		{"and a period's words", 450, "", "Your address 203.0.113.9 hit a spamtrap in the past 24 hours", SpamBlock, `text "your address <ip>"`},
		{"Postfix's client wrapper around relay words refuses the host", 553, "5.7.1", "<mx.example.com[203.0.113.9]>: Client host rejected: Relaying denied, your host is known", SpamBlock, `text "client host rejected:"`},
		{"a transcript's later 503 is not the reply's own code", 0, "", "----- Transcript of session follows ----- >>> RCPT To:<a@example.com> <<< 550 5.1.1 <a@example.com>... User unknown >>> DATA <<< 503 5.0.0 Need RCPT (recipient)", InvalidRecipient, "code 5.1.1"},
		{"a transcript's 503 to DATA does not decide", 0, "", ">>> DATA <<< 503 No valid recipients 554 5.0.0 Service unavailable", InvalidRecipient, `word "recipient"`},
		{"one quoted reply keeps its code", 0, "", "host mx.example.com[192.0.2.1] said: 503 5.5.1 Error: need RCPT command (in reply to DATA command)", ProtocolErrors, "subject 5.5.1"},
		{"a mailbox state said of the sender", 451, "", "4.3.0 domain of MAIL FROM is temporarily disabled", InvalidSender, "text mailbox words of the sender"},
		{"a mailbox state said of the recipient stays", 550, "", "5.2.1 mailbox disabled", InactiveMailbox, `text "disabled"`},
		{"a content verdict about the client's address", 554, "", "Rejected as spam, see http://lists.example.net/lookup?ip=192.0.2.1", SpamBlock, `text "your address <ip>"`},
		{"a content verdict that starts with the client's address", 554, "5.7.1", "X12 192.0.2.1: your mail was refused as spam", SpamBlock, `text "your address <ip>"`},
		{"a word inside an email address is its name", 554, "5.7.1", "<spam@example.net>: Recipient address rejected: Access denied", PolicyRelated, "subject 5.7.1"},
		{"a generic word inside a host name is its name", 554, "", "rejected by relay.example.com", PolicyRelated, `word "rejected"`},
		{"an address or mailbox status yields to a phrase about the session", 451, "4.2.2", "Server accepts mail only over a TLS connection", TLSFailure, `text "tls connection"`},
		{"a check named with an internal error on a 4xx", 451, "4.7.0", "internal SPF checker error", TransientFailure, "class 4xx check failure"},
		{"an address in brackets only says where the message came from", 550, "5.7.1", "[192.0.2.1] This message looks like spam", SpamContent, `text "looks like spam"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify(tc.code, tc.enhanced, tc.text)
			if got.Category != tc.want || got.Rule() != tc.rule {
				t.Fatalf("Classify(%d, %q, %q) = %s by %q, want %s by %q", tc.code, tc.enhanced, tc.text, got.Category, got.Rule(), tc.want, tc.rule)
			}
		})
	}
}

// TestPermanentIsNeverTransient: a permanent reply (5xx, or 5.X.X without
// a reply code) never reads as TransientFailure by its enhanced code's
// subject alone or by a generic word that only claims the failure is
// temporary (RFC 5321 section 4.2.1, RFC 3463 section 3.1), while the same
// evidence on a 4xx stays transient. (A phrase that names the receiving
// system's own failure keeps TransientFailure: TestRanking.)
func TestPermanentIsNeverTransient(t *testing.T) {
	for _, tc := range []struct {
		enhanced, text string
		on5xx          string // the category on a 5xx (and 5.X.X alone)
		on4xx          string
	}{
		{"X.3.0", "Unknown E-Mail Address", InvalidRecipient, TransientFailure},
		{"X.3.0", "<a@example.com> has restricted SMS e-mail", PolicyRelated, TransientFailure},
		{"X.3.0", "", Other, TransientFailure},
		{"X.3.1", "", Other, TransientFailure},
		{"X.3.2", "", Other, TransientFailure},
		{"X.4.3", "", Other, TransientFailure},
		{"X.4.5", "", Other, TransientFailure},
		{"", "Try again", Other, TransientFailure},
		{"", "Server busy", Other, TransientFailure},
		{"", "currently unavailable", Other, TransientFailure},
	} {
		for _, class := range []int{4, 5} {
			code, want := 550, tc.on5xx
			if class == 4 {
				code, want = 450, tc.on4xx
			}
			enhanced := ""
			if tc.enhanced != "" {
				enhanced = strconv.Itoa(class) + tc.enhanced[1:]
			}
			if got := Classify(code, enhanced, tc.text); got.Category != want {
				t.Errorf("Classify(%d, %q, %q) = %s by %s, want %s", code, enhanced, tc.text, got.Category, got.Rule(), want)
			}
			if class == 5 && enhanced != "" {
				if got := Classify(0, enhanced, tc.text); got.Category == TransientFailure {
					t.Errorf("Classify(0, %q, %q) = %s by %s, want a permanent category", enhanced, tc.text, got.Category, got.Rule())
				}
			}
		}
	}
}

// TestActionWithoutReplyCode: with no reply code, the enhanced code's
// class decides the default action (RFC 3463 section 3.1): a 5.X.X is
// bounced, a 4.X.X and a failure with neither are left to the engine's
// rule for failures without a reply (retried), and a category with an
// action of its own keeps it.
func TestActionWithoutReplyCode(t *testing.T) {
	checkActions(t, []actionCase{
		{0, "", "5.1.1 Recipient unknown <a@example.com>", Bounce},
		{0, "5.2.2", "mailbox full", Bounce},
		{0, "", "5.7.1", Bounce},
		{0, "", "4.2.2 mailbox over quota", Default},
		{0, "", "dial tcp 192.0.2.1:25: connect: connection refused", Default},
		{0, "", "5.5.3 too many recipients", Retry},
		{550, "", "5.1.1 user unknown", Default},
		{451, "", "5.7.1 odd but the reply code decides", Default},
	})
}

// actionCase is a reply and the action Classify must advise for it.
type actionCase struct {
	code           int
	enhanced, text string
	want           Action
}

func checkActions(t *testing.T, cases []actionCase) {
	t.Helper()
	for _, tc := range cases {
		if got := Classify(tc.code, tc.enhanced, tc.text); got.Action != tc.want {
			t.Errorf("Classify(%d, %q, %q).Action = %s (%s by %s), want %s", tc.code, tc.enhanced, tc.text, got.Action, got.Category, got.Rule(), tc.want)
		}
	}
}

// TestNewCategories: each category added in ABI v1.1 from the standard
// code or text that names it, with its default action.
func TestNewCategories(t *testing.T) {
	for _, tc := range []struct {
		code           int
		enhanced, text string
		want           string
		action         Action
	}{
		{530, "5.7.0", "Must issue a STARTTLS command first", TLSFailure, Default},
		{0, "", "delivery: starttls: STARTTLS required but not offered", TLSFailure, Default},
		{0, "", "tls: failed to verify certificate: x509: certificate signed by unknown authority", TLSFailure, Default},
		{451, "4.7.650", "The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation.", ReputationBlock, Default},
		{0, "", "lookup mx.example.com on 127.0.0.53:53: server misbehaving", DNSFailure, Default},
		{451, "4.4.3", "Temporary DNS lookup failure", DNSFailure, Default},
		{0, "", "dial tcp 192.0.2.1:25: i/o timeout", NoAnswerFromHost, Default},
		{554, "5.7.1", "<x@example.org>: Relay access denied", RelayDenied, Default},
		{553, "5.1.8", "<a@example.net>... Domain of sender address a@example.net does not exist", InvalidSender, Default},
		{452, "4.5.3", "Too many recipients", TooManyRecipients, Retry},
		{552, "", "Too many recipients", TooManyRecipients, Retry},
		{554, "5.7.1", "Attachment type not allowed (.exe)", ProhibitedContent, Default},
		{554, "5.3.5", "System incorrectly configured", BadConfiguration, Default},
		{550, "", "mail for example.com loops back to myself", BadConfiguration, Default},
		{550, "", "Amazon SES has suppressed sending to this address because it has a recent history of bouncing", Suppressed, Bounce},
	} {
		got := Classify(tc.code, tc.enhanced, tc.text)
		if got.Category != tc.want || got.Action != tc.action {
			t.Errorf("Classify(%d, %q, %q) = %s/%s by %q, want %s/%s", tc.code, tc.enhanced, tc.text, got.Category, got.Action, got.Rule(), tc.want, tc.action)
		}
	}
}

// TestRegistryCodes: every registered code of the table decides alone.
func TestRegistryCodes(t *testing.T) {
	for sd, m := range enhancedCodes {
		if m.category == "" {
			continue
		}
		code, class := 550, "5."
		if sd == "4.1" || sd == "4.2" {
			code = 0 // they decide only when there was no reply
		}
		if m.category == TransientFailure {
			// a transient subject decides on a transient reply; a
			// permanent class reads Other (TestPermanentIsNeverTransient)
			code, class = 450, "4."
		}
		if sd == "7.28" {
			// the table's meaning is the 4xx's; a 5xx flood is a block (TestStandardReplies)
			code, class = 421, "4."
		}
		got := Classify(code, class+sd, "")
		if got.Category != m.category {
			t.Errorf("5.%s = %s by %q, want %s", sd, got.Category, got.Rule(), m.category)
		}
	}
	for _, tc := range []struct{ enhanced, want string }{
		{"5.7.606", SpamBlock}, {"5.7.649", SpamBlock}, {"4.7.650", ReputationBlock}, {"5.7.999", PolicyRelated},
		// an unknown detail says what its subject's X.Y.0 says
		{"5.6.11", ProtocolErrors}, {"5.3.190", Other}, {"5.4.399", RoutingErrors},
	} {
		if got := Classify(550, tc.enhanced, ""); got.Category != tc.want {
			t.Errorf("%s = %s, want %s", tc.enhanced, got.Category, tc.want)
		}
	}
}

// TestRules: every rule names a category, no needle is empty or carries
// upper case (the scan folds the text, not the needles), and every
// category is reachable.
func TestRules(t *testing.T) {
	reach := map[string]bool{Other: true, TransientFailure: true, BadConnection: true}
	for _, r := range textRules {
		reach[r.category] = true
		if r.category == "" || len(r.needles) == 0 {
			t.Errorf("rule %q: no category or needle", r.name)
		}
		for _, n := range r.needles {
			if len(n) < 3 || strings.TrimSpace(n) == "" || strings.ToLower(n) != n || strings.ContainsAny(n, "\t\r\n") {
				t.Errorf("rule %q: needle %q", r.name, n)
			}
		}
	}
	for _, m := range enhancedCodes {
		reach[m.category] = true
	}
	for _, c := range allCategories {
		if !reach[c] {
			t.Errorf("no rule gives %s", c)
		}
	}
}

var allCategories = Categories

// TestMatcherAgreesWithContains: the one-pass matcher finds the same
// first rule as a naive strings.Contains loop over the folded text.
func TestMatcherAgreesWithContains(t *testing.T) {
	texts := []string{"", "x", "550 5.1.1 User Unknown", "Relay\taccess\ndenied", "SPAM", "a rbl listing", "rbl",
		"Mailbox FULL and user unknown", "tls: handshake failure", "[TSS04] deferred", "connection timed out"}
	for _, r := range textRules {
		for _, n := range r.needles {
			texts = append(texts, n, strings.ToUpper(n)+" tail", "head "+n)
		}
	}
	for _, text := range texts {
		for _, code := range []int{0, 450, 550} {
			if got, _ := textMatcher.best(text, code); got != naiveBest(text, code) {
				t.Fatalf("best(%q, %d) = %d, naive %d", text, code, got, naiveBest(text, code))
			}
		}
	}
}

func naiveBest(text string, code int) int32 {
	folded := " " + strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\r', '\n', '\v', '\f':
			return ' '
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, text) + " "
	for i, r := range textRules {
		if !r.applies(code) {
			continue
		}
		for _, n := range r.needles {
			if strings.Contains(folded, n) {
				return int32(i)
			}
		}
	}
	return -1
}

func TestEnhancedIn(t *testing.T) {
	for text, want := range map[string]string{
		"550-5.1.1 The email account":             "5.1.1",
		"550 #5.1.0 Address rejected.":            "5.1.0",
		"421 4.7.0 [TSS04] Messages from 1.2.3.4": "4.7.0",
		"Unknown address error 550-'5.7.1 <x>":    "5.7.1",
		"(5.2.2)":                                 "5.2.2",
		"from 192.0.2.1 deferred":                 "",
		"no code here":                            "",
		"5.7.1234 too long":                       "",
		"5.1.0 - Unknown address error 550-'5.7.1 <x>... Access denied'": "5.7.1",
		"4.4.7 expired; last reply: 550 5.1.1 user unknown":              "5.1.1",
		"5.3.0 first, 4.2.2 second, neither after a reply code":          "5.3.0",
	} {
		if got := EnhancedIn(text); got != want {
			t.Errorf("EnhancedIn(%q) = %q, want %q", text, got, want)
		}
	}
}

// FuzzClassify: any reply gives a known category and a rule name, and
// EnhancedIn gives "" or a well-formed code found in the text.
func FuzzClassify(f *testing.F) {
	f.Add(550, "", "550-5.1.1 The email account")
	f.Add(0, "5.", "2.1.")
	f.Add(421, "4.2.1", "Service refused")
	f.Fuzz(func(t *testing.T, code int, enhanced, text string) {
		r := Classify(code, enhanced, text)
		if !contains(allCategories, r.Category) || r.Tier == "" {
			t.Fatalf("Classify(%d, %q, %q) = %+v", code, enhanced, text, r)
		}
		if e := EnhancedIn(text); e != "" && (!strings.Contains(text, e) || !wellFormed(e)) {
			t.Fatalf("EnhancedIn(%q) = %q", text, e)
		}
	})
}

func wellFormed(e string) bool {
	parts := strings.Split(e, ".")
	if len(parts) != 3 || len(parts[0]) != 1 || !strings.Contains("245", parts[0]) {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) < 1 || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestDocumentedProviderCodes: codes providers document on their error
// pages decide over the generic words around them.
func TestDocumentedProviderCodes(t *testing.T) {
	for _, tc := range []struct {
		code       int
		text, want string
	}{
		{554, "cxr blocked. Refer to Error Codes section at https://www.cox.com/... for more information. AUP#CXBL", SpamBlock},
		{421, "cmsmtp blocked. Refer to Error Codes section for more information. AUP#CXCNCT", RateLimited},
		{554, "rejected. AUP#CDRBL", ReputationBlock},
		{554, "rejected, IP listed. AUP#IPBL0001", SpamBlock},
	} {
		if got := Classify(tc.code, "", tc.text); got.Category != tc.want || got.Tier != "provider" {
			t.Errorf("Classify(%d, %q) = %s by %s, want %s by a provider rule", tc.code, tc.text, got.Category, got.Rule(), tc.want)
		}
	}
}

// TestMicrosoftDetails: Exchange Online's documented details decide as
// specific codes, over texts that would read otherwise.
func TestMicrosoftDetails(t *testing.T) {
	for _, tc := range []struct {
		text, want string
	}{
		{"550 5.2.121 RecipientThreshold; Recipient's per hour message receive limit from specific sender exceeded", RateLimited},
		{"550 5.7.501 Access denied, spam abuse detected", SpamBlock},
		{"550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required", PolicyRelated},
		{"550 5.7.504 Recipient address rejected: Access denied", InvalidRecipient},
		{"550 5.7.512 Access denied, message must be RFC 5322 section 3.6.2 compliant", ProtocolErrors},
		{"550 5.7.323 tlsa-invalid: The domain failed DANE validation", TLSFailure},
	} {
		if got := Classify(550, "", tc.text); got.Category != tc.want || got.Tier != "code" {
			t.Errorf("Classify(550, %q) = %s by %s, want %s by its code", tc.text, got.Category, got.Rule(), tc.want)
		}
	}
	// Microsoft's reuse of registered codes is a tier-0 override.
	if got := Classify(550, "5.7.12", "Sender was not authenticated by organization"); got.Category != PolicyRelated {
		t.Errorf("5.7.12 internal senders only = %s by %s", got.Category, got.Rule())
	}
}

// TestThrottleWordings: a 4xx without an enhanced code that says the
// sender goes too fast, in the words rate-limiting ACLs and MTAs use, is
// a throttle (RateLimited), not a generic transient failure; the same
// words on a 5xx do not decide alone.
func TestThrottleWordings(t *testing.T) {
	for _, tc := range []struct {
		code       int
		text, want string
	}{
		{451, "Sender rate 120.3 / 1h", RateLimited},
		{450, "Sender rate exceeds the limit, slow down", RateLimited},
		{451, "Outgoing rate exceeds 200 messages per hour for this client", RateLimited},
		{421, "You have exceeded 50 messages per minute, closing connection", RateLimited},
		{451, "Rate limit exceeded, please retry", RateLimited},
		{452, "Too many messages from your IP, come back later", RateLimited},
		{451, "Your sending rate is too high", RateLimited},
		{451, "You can only send 100 per 1h", RateLimited},
		{421, "Maximum number of messages per session reached", RateLimited},
		{451, "Temporary local problem - please try later", TransientFailure},
		{552, "Limit of 1000 messages per user exceeded", QuotaIssues},
	} {
		if got := Classify(tc.code, "", tc.text); got.Category != tc.want {
			t.Errorf("Classify(%d, %q) = %s by %s, want %s", tc.code, tc.text, got.Category, got.Rule(), tc.want)
		}
	}
}

// TestClassifyAt: a 5xx at the greeting or EHLO with only generic words
// is a host block; at another stage, or with a cause, the reply decides.
// A spam verdict in words before DATA is a block of the host or sender
// (no content was sent); at DATA, at an unknown stage, or from a
// provider's documented text, it keeps its category.
func TestClassifyAt(t *testing.T) {
	for _, tc := range []struct {
		stage string
		code  int
		text  string
		want  string
	}{
		{"banner", 550, "550 Access denied", SpamBlock},
		{"ehlo", 550, "550 Rejected", SpamBlock},
		{"connect", 554, "554 go away", SpamBlock},
		{"rcpt", 550, "550 Rejected", Classify(550, "", "550 Rejected").Category},
		{"", 550, "550 Access denied", Classify(550, "", "550 Access denied").Category},
		{"banner", 421, "421 Rejected, try later", Classify(421, "", "421 Rejected, try later").Category},
		{"banner", 550, "550 5.7.1 No PTR record found, reverse DNS required", Classify(550, "", "550 5.7.1 No PTR record found, reverse DNS required").Category},
		{"ehlo", 501, "501 Syntax error in parameters", ProtocolErrors},
		{"rcpt", 554, "554 5.7.1 Rejected as spam", SpamBlock},
		{"mail", 553, "553 sorry, your envelope sender domain has been flagged as spam", SpamBlock},
		{"ehlo", 550, "550 High probability of spam", SpamBlock},
		{"data", 554, "554 5.7.1 Rejected as spam", SpamContent},
		{"", 554, "554 5.7.1 Rejected as spam", SpamContent},
		{"rcpt", 550, "550 5.7.1 Message contains a virus", Virus},
		{"rcpt", 550, "550-5.7.1 [192.0.2.1] Our system has detected that this message is likely unsolicited mail", Classify(550, "", "550-5.7.1 [192.0.2.1] Our system has detected that this message is likely unsolicited mail").Category},
	} {
		if got := ClassifyAt(tc.stage, tc.code, "", tc.text); got.Category != tc.want {
			t.Errorf("ClassifyAt(%q, %d, %q) = %s by %s, want %s", tc.stage, tc.code, tc.text, got.Category, got.Rule(), tc.want)
		}
	}
}
