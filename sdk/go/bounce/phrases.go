package bounce

// phraseRules name a cause in words operators and MTAs use (Postfix,
// Exim, Sendmail, qmail, Exchange stock texts, Go's network errors), most
// specific first: a phrase that names a cause ("mailbox full") comes
// before the wrappers that carry it ("recipient address rejected"), the
// sender's problems before the recipient's (Postfix's "Sender address
// rejected: Domain not found" is about the sender).
var phraseRules = []textRule{
	// A full mailbox, in the words that cannot mean another quota (a
	// sending quota is a rate, below), before everything else.
	c(QuotaIssues, "mailbox is full", "mailbox full", "mailbox is over quota", "mailbox over quota", "mailbox quota",
		"mailbox exceeded", "mailbox has exceeded", "destinataire pleine", "boite pleine"),

	// The receiver's suppression list.
	c(Suppressed, "suppression list", "suppressed recipient", "recipient is suppressed", "address is suppressed", "on our do not send list"),

	// The receiver's rules for bounces (Haraka's bounce plugin, Exim ACLs:
	// "Invalid bounce (spoofed sender)", "this bounce message has too many
	// recipients", "does not accept bounces", "Legitimate bounces are never
	// sent to more than one recipient"): a policy about the message as a
	// bounce, before the sender, authentication and recipient words it
	// uses.
	named(bounceRule, c(PolicyRelated, "invalid bounce", "bounce message", "bounce with", "accept bounces", "legitimate bounces",
		"bounces are not", "bounces are never", "multi-recipient bounce", "bounce return path",
		// bounce address tag validation and backscatter filters: a bounce
		// to an address that did not send the message
		"batv", "backscatter", "unsigned dsn", "third-party dsn")),

	// The sender's published authentication records or a check of them
	// named as the fault ("550 5.5.2 syntax error in SPF record"): on
	// a 5xx the check failed for good (RFC 7208's permerror), before the
	// protocol and spam words such a reply also uses.
	only(permanent, c(AuthenticationFailed, "spf record", "dkim record", "dmarc record", "spf permerror",
		"spf policy", "dkim key", "dkim signature",
		// a check named as failed outranks the filter's other words ("Reject
		// by behaviour spam ...: spf check failed")
		"spf check failed", "spf check failure", "failed spf check", "dkim check failed", "failed dkim check",
		"dmarc check failed", "failed dmarc check")),

	// The SMTP dialogue itself (before TLS: "no commands allowed to
	// pipeline after STARTTLS" is about the protocol), in the words of
	// the commands' order and arguments ("EHLO/HELO first", "STARTTLS may
	// not be repeated", "HELO/EHLO argument is invalid")
	c(ProtocolErrors, "protocol violation", "protocol error", "bad sequence of commands", "unrecognized command",
		"command unrecognized", "command not recognized", "syntax error", "pipelining", "helo first", "ehlo first",
		"helo/ehlo first", "ehlo/helo first", "send helo", "send ehlo", "mail from first", "rcpt to first",
		"before sending data", "may not be repeated", "already active",
		"out of sequence", "argument is invalid", "invalid argument", "command not implemented",
		"parameter not implemented", "parameters not recognized", "unknown command", "sender first",
		"recipient first", "must have sender", "stray newline", "stray line feed", "stray cr", "stray lf", "bare lf", "bare linefeed", "bare line feed", "bare line-feed", "parse error", "bare cr", "bare newline",
		"line ending", "smtp smuggling", "smtp protocol",
		// a usage line or a parameter's syntax ("501 Syntax: HELO hostname",
		// "501 syntax: STARTTLS", "Bad command parameter syntax") names the
		// command's form, whatever object the command is about
		"syntax:", "parameter syntax", "command syntax", "requires domain",
		// a session closed for its errors, not for what it asked
		"too many errors", "unauthenticated commands", "too many unrecognized", "too many invalid commands",
		"too many bad commands", "http request", "http command", "non-smtp",
		// the greeting missing
		"no helo", "no ehlo", "without helo", "without ehlo",
		// a command needed before another ("503 5.5.0 Need HELO or EHLO
		// before MAIL"), STARTTLS repeated ("500 TLS already negotiated"), a
		// command or parameter the server does not implement (RFC 5321's
		// 502/504: "502 Error: AUTH not implemented"), a command's
		// parameters refused ("No parameters allowed in MAIL")
		"must not start with", "no longer supported", "need helo", "need ehlo", "helo or ehlo before", "ehlo or helo before", "already negotiated", "already started",
		// RFC 5321 4.1.4 (EHLO/HELO before MAIL) and 4.1.1.1 (its domain
		// argument), RFC 2033 4.1 (LMTP's LHLO in their place): the
		// greeting's order and form, before the HELO identity check that
		// shares the word ("550 HELO required before MAIL", "Empty
		// HELO/EHLO argument not allowed", "LMTP should replace HELO and
		// EHLO with LHLO")
		"helo required", "ehlo required", "empty helo", "empty ehlo", "lhlo",
		"not implemented", "parameters allowed",
		// a client that talks before the greeting or floods the dialogue
		// with no-ops ("Connecting host started transmitting before SMTP
		// greeting", Exim's "SMTP protocol synchronization error", "too
		// many consecutive NOOPs")
		"before smtp greeting", "before greeting", "before the greeting", "synchronization error", "too many noop",
		"consecutive noop",
		// the form of the AUTH exchange (RFC 4954: an initial response a
		// mechanism does not take, a response that is not base64: the
		// word alone also names an attachment's encoding)
		"initial response", "base64 decod", "not base64", "invalid base64", "bad base64", "malformed base64"),
	// The message's format against RFC 5322 (2822, 822): "Message is not
	// RFC 2822 compliant", "Headers are not RFC compliant", "must be RFC
	// 5322 section 3.6.2 compliant", "missing a valid address in From:
	// header".
	c(ProtocolErrors, "rfc compliant", "rfc-compliant", "rfc 2822 compliant", "rfc2822 compliant", "rfc 5322 compliant",
		"rfc5322 compliant", "rfc 5322 section", "rfc 822 compliant", "not compliant with rfc", "compliant with rfc",
		"conform to rfc", "conforms to rfc",
		"valid address in from: header", "no from: header", "no from header", "mime parts", "mime part",
		"mime structure", "mime nesting", "mime complexity",
		// the depth of a message's multipart nesting (RFC 2046 section
		// 5.1: body parts that are themselves multipart), a limit of the
		// format's structure, not of what the attachments carry
		"nested attachment", "nested part", "nested multipart", "nested mime", "nesting level", "nesting depth",
		"too deeply nested"),

	// TLS: a reply that names TLS, STARTTLS, the server's certificate or
	// the policies that demand them (DANE, MTA-STS, REQUIRETLS) is about
	// the channel's security, whatever else it says: "TLS not available
	// due to local problem", "a TLS session is required", "certificate
	// verify failed", "MX hosts failed MTA-STS validation".
	c(TLSFailure, "starttls", "tls required", "tls is required", "requires tls", "require tls", "requiretls",
		"encryption required", "encryption needed", "must use tls", "tls handshake", "ssl handshake", "handshake failure",
		"certificate verify failed", "x509:", "tls: ", "tls negotiation failed", "secure connection required",
		"unable to establish a secure", "certificate has expired", "untrusted certificate", "self signed certificate",
		"self-signed certificate", "no shared cipher", "wrong version number", "tlsrpt", "tlsa-invalid", "tlsa record",
		"tls ", "tls.", "tls,", "(tls)", "/tls", "tls-connection", "tls-encrypted", "tls session", "tls connection", "tls conversation", "tls support",
		"tls not available", "tls unavailable", "tls currently unavailable", "tls is not available", "ssl routines",
		"certificate", "(dane", "dane validation", "mta-sts", "sts policy", "encrypted connection", "encryption is required",
		"ssl ", "ssl/tls",
		// encryption required in words that do not name TLS ("501 5.7.1
		// recipient requires encrypted message transmission", "Command
		// refused due to lack of security")
		"encrypted message transmission", "encrypted transmission", "encrypted channel", "encrypted session",
		"unencrypted connection", "unencrypted session", "unencrypted channel", "lack of security", "insecure connection"),

	// The sending host named as an open relay or proxy ("no access from
	// mail server [ip] which is an open relay", Sendmail's "Rejecting open
	// proxy"): a verdict on the host, like a listing, not a refusal to
	// relay for it (which "Open relay not allowed" is).
	c(SpamBlock, "is an open relay", "be an open relay", "open proxy", "open proxies", "unsecured proxy", "insecure proxy",
		"anonymous proxy"),

	// A mailbox that has moved, with its new address: RFC 5321 section
	// 3.4's "551 User not local; please try <forward-path>" (RFC 3463's
	// X.1.6, "destination mailbox has moved"), the server naming where the
	// recipient now is, before the relay words "user not local" shares.
	only(permanent, c(InvalidRecipient, "please try <")),

	// A client that claims an identity it does not have: the HELO names
	// the receiver itself or the local host ("You are not localhost",
	// "550 192.0.2.25 is _my_ address", "I do not believe you are
	// mail.example.com", "You are not who you say you are"): the sending
	// host's identity (RFC 5321 4.1.4 lets a receiver check the HELO
	// against the connection), before the relay words ("not local"). The
	// disbelief, not "believe you are": "We believe you are sending spam"
	// is the receiver's verdict on the host, not its identity check.
	c(PolicyRelated, "not localhost", "_my_ address", "is my address", "not believe you are", "n't believe you are",
		"who you say you are"),

	// Relaying, also when the relay asks for authentication first ("mail
	// server requires authentication when attempting to send to a
	// non-local e-mail address", "not permitted to relay through this
	// server without authentication"): before the authentication words.
	c(RelayDenied, "non-local", "relay through", "relaying through", "to relay without", "for relaying", "relay rejected",
		"relaying rejected", "relay refused", "relaying refused", "relay access denied", "relaying denied", "relay denied", "relay not permitted", "relaying not permitted",
		"not permitted to relay", "unable to relay", "we do not relay", "no relaying", "not configured to relay",
		"relaying not allowed", "relay not allowed", "not allowed to relay", "relaying prohibited", "relay prohibited",
		"relaying disallowed", "cannot relay", "can't relay", "list of allowed rcpthosts", "rcpthosts", "open relay not allowed",
		"not a gateway", "relaying to", "relay attempt", "as a relay", "user not local", "not local", "local user only",
		"local users only", "relay disabled", "relaying disabled", "relay is disabled", "relaying is disabled",
		"don't handle mail for", "do not handle mail for",
		// a relay refused until the client authenticates ("550
		// Authentication is required for relay"): the relay is refused,
		// before the authentication words; credentials that failed ("5.7.1
		// Invalid credentials for relay") are not this
		"required for relay", "required to relay", "needed to relay", "needed for relay", "authenticate to relay"),

	// Loops and receiving-side configuration
	c(BadConfiguration, "loops back to myself", "greeted me with my own hostname", "transport unavailable", "misconfigur", "configuration error", "config error", "incorrectly configured",
		"local configuration", "mail server is not configured", "mailbox is not configured", "no valid transport", "mailer error",
		"local delivery failed", "unable to deliver to local", "best-preference mx", "license expired", "licence expired",
		"license has expired", "licence has expired", "is the local host", "points to local host", "points to the local host",
		"unknown mail transport", "protocols are disabled", "found in the mail exchanger", "home directory", "permission failure", "world writable", "group writable"),
	c(RoutingErrors, "too many hops", "mail loop", "loop detected", "routing loop", "hop count exceeded",
		"message is looping", "forwarding loop", "aliasing loop", "alias loop"),

	// Reputation named as the cause of a rate or a block ("IP reputation
	// ratelimit in effect", "rate limited due to IP reputation"), and on a
	// 5xx a rate of unsolicited mail or of spam ("Our system has detected
	// an unusual rate of unsolicited mail ... has been blocked", "Sender
	// IP rejected: spam rate exceeded"): a verdict on the IP's traffic,
	// the rate only its measure; on a 4xx the same words defer (below).
	c(ReputationBlock, "ip reputation", "reputation ratelimit", "reputation rate limit"),
	only(permanent, c(ReputationBlock, "unusual rate", "rate of unsolicited", "spam rate")),

	// RFC 5321's own words for a message over the size limit ("552 Too
	// much mail data", section 4.5.3.1.10), before "too much mail", a rate.
	c(MessageTooLarge, "too much mail data", "too much data"),

	// A mailbox that holds too many messages ("550 User has too many
	// messages on the server"): its storage, counted in messages, before
	// the rate words that share "too many messages".
	c(QuotaIssues, "messages on the server", "messages on server", "messages in the mailbox", "messages in mailbox",
		"messages in his mailbox", "messages in her mailbox", "messages in your mailbox"),

	// Rate, connections, recipients per message
	// A count per sending client ("too many recipients from <client>",
	// Postfix's anvil limits) is a pace, not one transaction's size.
	c(RateLimited, "too many recipients from", "too many messages from", "too many auth commands from",
		"too many new tls sessions from"),
	c(TooManyRecipients, "too many recipients", "too many rcpt", "number of rcpt", "recipient limit", "number of recipients", "recipients per message",
		"rcpt limit", "max rcpt", "recipients limit", "rcpt numbers",
		"maximum recipients", "max recipients", "too many addresses", "exceeded the maximum number of recipients"),
	c(RateLimited, "rate limit", "rate-limit", "ratelimit", "too many connections", "too many messages", "too many concurrent",
		"too many sessions", "too many smtp sessions", "frequency limited", "unusual rate", "excessive volume", "throttl",
		"too fast", "sending rate", "slow down", "connection limit", "connections limit", "concurrent connections", "too many mails",
		"too many emails", "too many e-mails", "too many e-mail", "too much mail", "temporarily limited", "limit exceeded for", "message rate", "mail rate",
		"exceeded the rate", "rate exceeded", "hourly limit", "daily limit", "sending limit", "send limit", "try again in a few minutes",
		"sending quota", "daily quota", "relay limit", "hourly quota", "too many open connections", "too many simultaneous",
		"simultaneous connections", "too many smtp connections", "frequency limit", "receive limit", "submission quota",
		"messages per session", "messages per connection", "queue quota", "too much email", "too many recent",
		"short period of time", "in a short time", "again slower", "send slower",
		// a hosting panel's limit per domain and hour (cPanel's "Domain
		// example.com has exceeded the max emails per hour (100/100
		// (100%)) allowed"), whatever the reply code; French "trop de
		// connexions"
		"max emails per", "maximum emails per", "emails per hour", "defers and failures", "trop de connexions",
		"message threshold", "messaging limit",
		// a rate named by what it counts ("421 4.5.1 Connection Rate",
		// "451 4.3.2 Recipient Rate"), before the status's subject
		"connection rate", "connections rate", "recipient rate", "recipients rate", "rcpt rate"),
	// Throttles in the words of rate-limiting ACLs without an enhanced
	// code (Exim's ratelimit condition reports "sender rate" and "N per
	// period", other MTAs "rate exceeds", "N messages per hour"): on a
	// 4xx they say "too fast"; on a 5xx the same words more often report
	// a stored-mail or per-day quota, so they stay to the other rules.
	only(transient, c(RateLimited, "sender rate", "send rate", "rate exceeds", "rate exceeding", "messages per",
		"mails per", "emails per", "messages/", "msgs per", "can only send", "sending too", "sent too many",
		"exceeded the maximum number of messages", "max messages", "maximum number of messages",
		"per hour", "per day", "per minute", "per second", "max number of messages", "past 24h", "24 hours",
		"past hour", "last hour",
		// A quota of messages, or one per period, is a sending quota on a
		// 4xx ("451 4.7.0 Hourly message quota exceeded"), before the
		// mailbox's "quota exceeded" below; a mailbox's count of stored
		// messages comes with X.2.2, which decides first.
		"message quota", "messages quota", "hourly message", "daily message", "hour quota", "day quota")),

	// A DNS blocklist lookup, in the idioms of the MTAs that query them
	// ("Client host [ip] blocked using <list>", "listed at <list>"): a
	// listing with a lookup and delisting page, even when the list's name
	// says "reputation" (Barracuda Reputation, Trend Micro Email
	// Reputation database).
	// Before the lists' idioms, what outranks them: a greylist is a pause
	// by design, even when served by a DNS list ("blocked using grey.rbl
	// ... Greylisting in action"); a list that refused the receiver's own
	// query (Spamhaus's and URIBL's answer to public resolvers: "Query
	// Refused", "Your DNS IP") is the receiver's misconfiguration; a
	// sender-verification callout's verdict outranks the causes it lists
	// ("Verification failed ... may be blacklisted ... Sender verify
	// failed"); a list of file types is about the attachment
	// ("Blacklisted file extension detected").
	// Greylisting is a temporary rejection by definition (RFC 6647
	// section 2: the receiver answers an unknown triplet with a 4xx and
	// accepts the retry): a 5xx that names it ("554 5.7.1 Greylisting in
	// effect, sending server blacklisted") is a refusal that lasts, and
	// its other words decide.
	only(notFinal, c(TransientFailure, "greylist", "graylist", "grey list", "gray list")),
	// An IP address on a list is the host's listing (RFC 5782: DNS lists
	// and the receivers' own lists of hosts name IPs), not an address on
	// the receiver's list of senders, whose words it shares ("Your IP
	// address is blocked by RBL", "IP address has been blacklisted").
	c(SpamBlock, "ip address is blocked", "ip address is blacklisted", "ip address is blocklisted",
		"ip address has been blocked", "ip address has been blacklisted"),
	senderListed,
	c(BadConfiguration, "query refused", "your dns ip", "public resolver", "open resolver"),
	c(InvalidSender, "sender verify failed", "sender verification failed"),
	c(ProhibitedContent, "file extension", "file type", "attachment type", "type of attachment", "attach type"),
	// A URL or domain in the content found on a list (URIBL, SURBL,
	// Spamhaus DBL as content checks: "message contains domain x listed by
	// multi.surbl.org", "blacklisted URL in message"): the content is the
	// cause, not the sending host.
	c(SpamContent, "uribl policy", "message contains domain", "blacklisted url", "url in message", "urls in message",
		"url in the message", "link in message"),
	c(SpamBlock, "blocked using", "listed at", "listed by", "is listed in", "are listed in", "been listed in", "was listed in",
		"listed on", "in a black list at", "in a blacklist at", "dnsbl", "dnsrbl", "rbl "),
	// Cloudmark's Sender Intelligence scores reputation; a lookup of it in
	// a list's idiom ("blocked using cm-csi-v11", "is in an RBL on
	// csi.cloudmark.com") is a listing, decided above.
	c(ReputationBlock, "csi.cloudmark.com", "cloudmark"),

	// The HELO's claim about the host (an IP literal, a forged one):
	// the sending host's identity (like the PTR and HELO checks below),
	// before the "your IP" words of the blocklists ("HELO IP literal does
	// not match your IP address", "Forged IPs not accepted here").
	c(PolicyRelated, "ip literal", "address literal", "forged ip", "impersonating another",
		// the sending host's PTR named as its own ("Refused. Your reverse
		// DNS entry contains your IP address"): the identity check, before
		// "your IP"
		"your reverse dns", "reverse dns entry",
		// the PTR named in a refusal of dynamic or generic hosts ("we do
		// not accept mail from hosts with dynamic ip or generic dns
		// ptr-records"), and lookups of the client's own address
		"ptr-record", "ptr records", "generic dns", "resolve your address", "resolve your hostname", "ip name lookup",
		"forward dns", "unverifyable sending", "unverifiable sending"),

	// Reputation of the sending IP or domain, then public blocklists
	c(ReputationBlock, "reputation", "sender score", "senderscore", "poor sending history", "bad sending history",
		// the host's traffic judged ("temporarily deferred due to
		// unexpected volume or user complaints", "you are sending spam",
		// "too many unwanted messages have been sent from the following
		// ip"): a verdict on what the IP sends, before the spam words
		"user complaints", "unexpected volume", "unwanted messages",
		// a score the receiver keeps of the client's past connections
		// (qpsmtpd's and Haraka's karma plugins: "very bad karma: -3"),
		// the receiver's own reputation data for the host
		"bad karma"),
	// The sending IP blocked for what it did, not listed: invalid
	// recipients tried (dictionary or directory-harvest attacks), failed
	// logins, a flood of requests.
	c(ReputationBlock, "too many invalid recipients", "too many unknown recipients", "too many bad recipients",
		"excessive rejected recipients", "excessive invalid recipients", "excessive unknown recipients",
		"excessive authentication failures", "dictionary attack", "directory harvest", "harvest attack", "flooding"),
	c(SpamBlock, "spamhaus", "blocklist", "block list", "blacklist", "black list", "denylist", "deny list", "blocked using",
		" rbl", "spam source", "spamcop", "sorbs", "listed as abusive", "sender ip address",
		"no access from", "suspected spam ip", "bounce attack", "sending spam", "sent spam", "spamming mail server",
		"known spamming", "spamming server", "requires confirmation", "confirm this mail server",
		"uceprotect", "mailspike", "psbl", "abuseat", "abusix", "barracuda", "dynamic ip", "dynamic address", "dial-up",
		"dialup", "residential ip", "blocked ip", "ip blocked", "ip address is blocked", "ip has been blocked",
		"your ip", "your address has been blocked", "host blocked", "client host blocked", "spam-like traffic", "botnet",
		"spam sender", "spammer", "source of spam", "black ip", "black address", "black mail address", "black domain",
		"black sender", "badmailfrom", "ips blocked", "smtp server of your isp", "relay via your isp", "from this range", "from your range", "ip range", "is banned", "banned sender", "banned ip", "ip banned", "banned domain", "domain banned"),

	// Size, a header's first (its size is its format's limit)
	// The recipient's mailbox file at its size limit ("mail file size
	// exceeds the maximum size allowed for mail delivery"): the mailbox's
	// storage (round 3's "File too large"), before the message-size words
	// it shares.
	c(QuotaIssues, "mail file size", "mailbox file size"),
	named(lineRule, c(ProtocolErrors, "headers too large", "header too large", "header too long", "headers too long", "too many headers",
		"line too long", "line is too long", "lines too long", "line length", "header line", "header size",
		"filename too long", "file name too long")),
	// The message's size named as such ("Message size exceed (maybe
	// caused by big attachment file)"): the size, not the attachment, is
	// the cause.
	c(MessageTooLarge, "message size", "size exceed", "message too large", "message too big", "maximum message size",
		"message too long", "message is too long", "attachment too long", "attachment is too long", "attachment too large",
		"attachment is too large", "attachment too big", "attachment size"),

	// Malware, then content refused by rule, then content judged spam.
	// Before them: a scanner that could not scan defers for now ("451
	// Unable to scan for viruses"), and a filter that does not say which
	// ("spam or virus content") judged the content as spam.
	only(transient, c(TransientFailure, "unable to scan", "could not scan", "cannot scan", "can't scan", "scan failed",
		"scanning failed", "scan error", "scanning error", "scanner error", "scanner failure", "scanner unavailable",
		"scan timeout", "scan timed out", "scanner timeout")),
	c(SpamContent, "spam or virus", "spam/virus", "spam and virus"),
	c(Virus, "virus", "viral", "malware", "infected", "trojan", "worm", "ransomware", "malicious"),
	c(ProhibitedContent, "attachment", "file type", "file extension", "filename", "executable", "prohibited content",
		"content is prohibited", "banned content", "forbidden content", "content not allowed", "banned file", "blocked file",
		"not permitted content", "disallowed content", "content policy", "objectionable content",
		"url blocked", "blocked url", "prohibited url", "shortened url", "content restriction", "banned:", "dangerous",
		// archives the filter cannot open, and filters' symbols for
		// attachments (rspamd's FORBIDDEN_FILE_EXTENSION, MIME_BAD_EXTENSION)
		"password-protected", "password protected", "encrypted archive", "encrypted attachment", "encrypted zip",
		"_extension", "mime_bad", "bad_attachment",
		// a MIME media type refused (RFC 2045's Content-Type, RFC 2046's
		// types: "unacceptable content type (application/x-msdownload)",
		// "Unsupported Content-Type", "Only plain text emails
		// permitted"), and archives nested past the scanner's depth: the
		// receiver's rule for what a message may carry, not a verdict on
		// its text
		"content type", "content-type", "mime type", "media type", "only plain text", "nested archive"),
	// A spam trap hit: the sending host mailed an address that exists only
	// to catch senders of unsolicited mail, a verdict on the host, not on
	// one message's content ("550 5.7.1 Message to spamtrap"), before the
	// spam words.
	c(SpamBlock, "spamtrap", "spam trap", "spam-trap", "honeypot"),
	c(SpamContent, "spam", "unsolicited", "junk mail", "bulk mail", "bulk email", "mass mail", " ube ", "ube,", "phish", "scam", "fraud",
		"looks like spam", "suspicious content", "content filter", "content reject", "message content", "high probability",
		"by our filter", "mail content",
		"score too high", "spam score", "bayes", "scored ", "mail score", "message score",
		// a content filter's score in SpamAssassin's idiom ("Rejected:
		// hits=7.5 required=5.0")
		"hits=", "required=", "content denied", "quarantined", "unacceptable content", "recurrent pattern"),
	// A filter named without its verdict ("550 5.2.0 Message Filtered"):
	// the recipient's filter refused it, Sisimai's "filtered"; after the
	// spam words, which name the verdict when the reply gives one
	// ("Message filtered. Please see the FAQs section on spam").
	c(PolicyRelated, "message filtered"),

	// A transient reply that names a failed lookup ("450 DNS timeout
	// resolving your HELO hostname", "rDNS lookup error (SERVFAIL)",
	// "Temporary DMARC DNS lookup failure"): the check could not be made
	// for now, whatever it checks (PTR, HELO, the sender's domain, SPF,
	// DKIM or DMARC records).
	only(transient, c(DNSFailure, dnsTrouble...)),

	// The envelope or header sender refused for the authenticated client:
	// RFC 6409 section 6.1 ("Enforce Submission Rights") lets a
	// submission server refuse a MAIL FROM that the session's
	// authentication does not entitle it to use; the client did
	// authenticate, the address is the fault ("not authorized to send
	// email using this identity", "Sender is not same as SMTP
	// authenticate username", Exchange's SendAsDenied, Postfix's
	// reject_sender_login_mismatch "not owned by user"). Before the
	// authentication words these replies use.
	c(InvalidSender, "using this identity", "send as this", "sendas", "send mail as", "send email as",
		"send from this address", "send from this header", "send from this email", "to send from this",
		"same as smtp auth", "match the authenticated", "match authenticated", "not owned by user", "login mismatch",
		"submission rights",
		// the envelope sender and the header's From compared and found
		// different ("Rejected due to unmatching envelope and header
		// sender"): the sender's identity refused, before a policy status
		"envelope and header", "header and envelope"),

	// Authentication of the sender (SPF, DKIM, DMARC, ARC, SMTP AUTH)
	named(authCheckRule, c(AuthenticationFailed, "dmarc", "spf", "dkim", "sender policy framework", "domainkeys")),
	c(AuthenticationFailed, "unauthenticated",
		"not authenticated", "authentication required", "authentication failed", "authentication failure",
		"auth failed", "arc validation", "sender authentication", "spoof", "impersonat", "forged", "forgery",
		"fake sender", "faked sender", "authentication is required", "must authenticate", "authentication", "authentification", "credentials", "password", "authenticate first",
		"please authenticate", "auth failures", "logon attempts", "login attempts", "auth error", "auth mode", "auth method",
		"auth mechanism", "smtp auth",
		// RFC 4954's "530 5.7.0 Authentication required" in a mail
		// server's plain words ("You must log in to send mail")
		"must log in", "must login", "log in to send", "login to send",
		// SPF's explanations, quoted without the word SPF ("domain owner
		// discourages use of this host", "does not designate ... as
		// permitted sender")
		"discourages use of this host", "permitted sender"),

	// An address refused for its characters (RFC 5321's 553 "mailbox name
	// not allowed (e.g., mailbox syntax incorrect)", RFC 3463's X.1.3 bad
	// destination mailbox address syntax): "550 Restricted characters in
	// address", "invalid character in mailbox name: not using smtputf8";
	// before the header checks' "invalid character", which is about a
	// header's characters.
	c(InvalidRecipient, "characters in address", "character in address", "characters in the address",
		"character in the address", "characters in email address", "character in email address",
		"characters in mailbox", "character in mailbox", "in mailbox name", "mailbox name not allowed",
		"characters in local part", "character in local part", "characters in the local part"),

	// The message's format in the words of header checks ("Malformed
	// message", "Missing required header field", "Invalid Message-ID
	// header"): after authentication, whose words name header fields too.
	c(ProtocolErrors, "improperly-formatted", "unnecessary base64", "malformed message", "malformed header", "malformed mail", "malformed e-mail", "malformed email", "invalid mime", "malformed mime", "bad mime", "mime structure",
		"boundary", "mime container", "broken mime", "invalid header", "header syntax", "headers fail",
		"missing required header", "required header", "missing date header", "missing message-id", "message-id header",
		"duplicate header", "nul character", "null character", "8bitmime", "smtputf8", "8bit data", "8-bit data",
		// the SMTP extensions a message needs and the other side lacks
		// (RFC 6152's 8BITMIME, RFC 3030's CHUNKING and BINARYMIME): a
		// client's own failure without a reply ("cannot send 8-bit message
		// to 7-bit server", "cannot send binarymime message to a
		// non-chunking server") or a server's refusal
		"binarymime", "chunking", "7-bit server", "7bit server", "8-bit message", "8bit message",
		"date header", "return-path header",
		// characters a header may not carry ("550 Subject contains invalid
		// characters", "5.6.11 Invalid characters")
		"invalid characters", "invalid character",
		// an originator field of RFC 5322 section 3.6.2 named as the header
		// refused ("550 5.7.1 Malformed From header")
		"from header", "from: header", "sender header", "reply-to header"),

	// Sending host identity (PTR, HELO)
	c(PolicyRelated, "reverse dns", "reverse lookup", "rdns", " ptr", "ptr record", "cannot find your hostname",
		"cannot find your reverse hostname", "reverse hostname", "mismatches client ip", "helo", "ehlo", " hostname",
		"generic hostname", "fcrdns", "forward-confirmed"),
	// A negative answer on a 4xx ("450 Recipient domain does not
	// resolve") is the DNS failing for now, unless it is about the
	// sending host's own names: "Your reverse DNS entry does not resolve
	// to an IP" is the identity check's verdict, decided just above. A
	// lookup that could not be made (dnsTrouble) is DNS whatever it served.
	only(transient, c(DNSFailure, "does not resolve", "did not resolve", "not resolvable")),
	// The recipient (or its domain) refused this sender by its own rule
	// ("Mail is rejected by recipients", "Sender address rejected:
	// Blocked by this recipient", "Mail rejected by destination domain"):
	// before the sender wrappers that carry it.
	c(PolicyRelated, "rejected by recipient", "refused by recipient", "blocked by recipient", "blocked by this recipient",
		"blocked by the recipient", "rejected by the recipient", "rejected by destination", "recipient's preferences",
		"blocked senders", "manually blocked", "refuses to receive", "refuse to receive", "not accepting mail with",
		"due to user rules", "not subscribed to"),
	// Postfix's client restrictions and banner refusals: the sending host
	// is refused as such.
	c(SpamBlock, "client host rejected", "refused to talk to me", "not allowed to connect", "bad ip", "ip is rejected",
		"you are not welcome",
		// qmail's and vpopmail's tcprules refusal ("sorry, mail from your
		// location [ip] is administratively denied")
		"from your location", "your location is",
		// a security gateway's block of the sending party, in its terse
		// idiom: Mimecast's "421 Sender address blocked" and Cisco ESA's
		// "550 5.7.1 [ESA] Sender blocked" are documented as the sending
		// host or IP refused by the gateway's own list, not the envelope
		// address (the receiver's list of addresses is senderListed's)
		"sender blocked", "sender address blocked"),

	// The sender (before the recipient and the domain)
	c(InvalidSender, "null sender", "empty sender", "sender address rejected", "sender rejected", "sender domain", "sender verify failed",
		"sender verification", "unverified sender", "invalid sender", "sender unknown", "unknown sender",
		"sender address", "sender's address", "sender not allowed", "sender is not allowed", "bad sender",
		"sender denied", "blocked sender", "envelope sender", "return path", "return-path",
		"mail from address", "from address", "sender invalid", "domain of sender", "sender email",
		"sender mail address", "sender's domain", "originator", "from domain", "sender not permitted", "sender account",
		"reverse-path", "reverse path", "return address", "bounce address", "mail from invalid", "invalid mail from",
		"mail from rejected", "sender is invalid", "sender is unvalidated", "unvalidated sender",
		// checks of the sender domain's mail exchangers ("none of your mail
		// exchangers has a routable address")
		"your mail exchanger", "your mx ",
		// the sender's identity refused in other words (Sender ID's
		// "purported responsible address", "Emetteur invalide", Gmail's
		// "send mail as" alias)
		"purported responsible address", "emetteur invalide", "provide a valid from",
		"sender doesn't match", "sender does not match", "sender don't match",
		"different address or alias"),

	// An address that cannot be routed (after the sender: Exim's "Sender
	// verify failed" quotes "Unrouteable address"): the words of X.4.4
	// "unable to route", which the code table reads as a domain that
	// takes no mail, read the same way.
	c(BadDomain, "unrouteable", "unroutable", "unable to route"),
	c(RoutingErrors, "no route for", "routing error"),

	// Mailbox state
	// The receiving system's own storage (RFC 5321's 452 "insufficient
	// system storage"), before the mailbox words that share "full".
	c(TransientFailure, "mail system full", "system is full", "system storage", "disk is full", "queue is full",
		"i/o error", "input/output error", "insufficient disk space",
		// a helper of the receiving system down or failing (a scanner's
		// daemon, Exchange's missing mailbox database, Sendmail's output
		// file), before the connection words it quotes
		"daemon:", "daemon is not running", "daemon not running", "daemon unavailable", "no mdb", "can't create user output", "could not load drd", "error while being processed"),
	// A mailbox that cannot take more: "... is full", "storage full", and
	// a mailbox file at its size limit ("error writing message: File too
	// large", EFBIG from the local delivery agent).
	c(QuotaIssues, "storage full", "is full", "file too large", "mailbox full", "mailbox is full", "mailbox was full", "mail box full", "mailbox has exceeded", "over quota",
		"overquota", "quota exceeded", "exceeds quota", "exceeded quota", "quota exceed", "disk quota", "storage quota",
		"exceeded storage", "out of storage", "not enough storage", "insufficient storage for", "mailbox size limit",
		"mailbox is over", "full mailbox", "mailfolder is full", "user is over", "has exceeded his", "has exceeded her",
		"has exceeded the", "exceeded the storage", "no space left for", "mailbox exceeds", "storage limit", "quota",
		"full inbox", "inbox full", "inbox is over",
		// the mailbox's space in other words ("User has exhausted allowed
		// storage space", "does not have enough space", procmail's
		// "Mailbox limit exceeded")
		"storage space", "allowed storage", "not have enough space", "has not enough space", "mailbox limit", "space has been used up",
		// disk space named without the system ("not enough disk space",
		// "no space left on device" from a local delivery agent): the
		// recipient's storage, as Sisimai reads it; the system's own
		// storage is decided above
		"disk space", "space left on device", "diskspace", "disc quota", "mail file size"),
	c(InactiveMailbox, "disabled", "inactive", "not activated", "deactivated", "account suspended", "account has been suspended",
		"mailbox suspended", "user suspended", "account is suspended", "mailbox is suspended", "frozen", "account expired", "account has expired",
		"no longer active", "not active", "mailbox is locked", "account is locked", "locked out", "closed account",
		"account closed", "account has been closed", "discontinued", "dormant", "blocked account", "account blocked",
		"account is expired", "recipient suspended", "recipient is suspended", "account temporarily suspended",
		"has been temporarily suspended", "is temporarily suspended", "user is locked", "suspended user", "suspended account",
		"suspended mailbox",
		// an account switched off in other words ("This address no longer
		// accepts mail", "mailbox currently suspended", "user is
		// terminated", "archived recipient"): the words name the account,
		// as alone they also end sessions ("session has been terminated"),
		// switch off a sender or a service ("sending domain has been
		// suspended", "service is suspended") or keep a message ("message
		// archived")
		"no longer accepts mail", "no longer accepting mail", "no longer accepts e-mail", "no longer accepts email",
		"mailbox currently suspended", "account currently suspended", "user currently suspended", "address currently suspended",
		"mailbox has been suspended", "user has been suspended", "address has been suspended", "recipient has been suspended",
		"user is suspended", "address is suspended",
		"account terminated", "user terminated", "mailbox terminated", "user is terminated", "account is terminated",
		"mailbox is terminated", "user has been terminated", "account has been terminated", "mailbox has been terminated",
		"recipient has been terminated", "address has been terminated",
		"destinataire archiv", "archived recipient", "archived mailbox", "archived account", "archived user", "mailbox is archived",
		"mailbox has been archived", "account is archived", "account has been archived", "user is archived", "user has been archived"),

	c(MessageTooLarge, "too large", "too big", "size limit", "exceeds the maximum size", "message size", "exceeds size",
		"length exceeds", "maximum message size", "message length", "size exceeds", "exceeds the size", "maximum size",
		"exceeds maximum", "message is larger", "message exceeds", "taille limite", "length of data",
		"character length"),

	// A lookup that failed for now, in the resolver's own words (Postfix
	// reports h_errno TRY_AGAIN as "Host not found, try again", libc as
	// "Host name lookup failure", Sendmail's host map as "lookup ...:
	// deferred"; DNSSEC validation failures): before the domains that do
	// not exist, whose words they share.
	c(DNSFailure, "host not found, try again", "host name lookup failure", "host map: lookup", "dnssec"),

	// Domains that do not exist or take no mail, then DNS trouble
	c(BadDomain, "host unknown", "unknown host", "host not found", "domain not found", "no such domain", "unknown domain",
		"domain does not exist", "domain name not found", "nxdomain", "null mx", "doesn't receive email",
		"does not accept mail", "doesn't accept mail", "accepts no mail", "domain is not reachable", "no mx",
		"no mail exchanger", "no mail servers", "no smtp servers", "no mail hosts", "unresolvable", "invalid domain", "not a valid domain",
		"domain isn't in my list", "no such host",
		// qmail-remote's answer when the domain's name has no address
		// record ("Sorry, I couldn't find any host by that name"): the
		// lookup found no such host, RFC 3463's X.1.2 (bad destination
		// system address), not a lookup that failed (DNSFailure)
		"find any host", "domain is not valid", "domain has no", "bad destination system address",
		"domain does not accept", "nonexistent domain", "non-existent domain", "unknown domain name", "domain unknown",
		"answer with no data", "name or service not known", "point to non-existent hosts", "no smtp service",
		// an address check's verdict on the domain part ("recipient domain
		// must exist", "mail domain ... is unknown")
		"domain must exist", "domain is unknown", "mail domain mentioned", "had no relevant answers", "dns records for the destination",
		"no data by dns",
		// a domain whose MX records name no usable host ("can't find a
		// valid MX for rcpt domain", "Invalid MX ... for domain"), RFC
		// 5321 section 5.1's lookup coming back empty
		"valid mx", "invalid mx"),
	c(DNSFailure, dnsTrouble...),

	// Recipients that do not exist
	c(InvalidRecipient, "user unknown", "unknown user", "no such user", "user not found", "does not exist", "doesn't exist", "don't exist",
		"invalid recipient", "recipient unknown", "unknown recipient", "no such recipient", "recipient not found",
		"no mailbox", "mailbox not found", "no such mailbox", "mailbox unavailable", "mailbox is unavailable", "mailbox does not", "mailbox doesn't",
		"address unknown", "unknown address", "invalid address", "address invalid", "bad destination mailbox",
		"undeliverable address", "no longer on server", "mailbox has moved", "not our customer", "unknown local part",
		"not a valid mailbox", "account does not", "address does not", "address not found", "no account", "not a valid user",
		"invalid mailbox", "mailbox invalid", "unknown mailbox", "mailbox unknown", "no such account", "no such address", "nonexistent", "non-existent", "not have an account", "not a member of", "user doesn't",
		"user does not", "addressee unknown", "unknown or illegal alias", "unknown alias", "no such person",
		"not a known user",
		// a gateway's directory of the users it delivers to ("'a@example.com'
		// is not a registered gateway user"): the address it names is not
		// one of them, as "not a known user"
		"not a registered gateway user", "not a registered user", "not listed in", "bad recipient", "recipient address rejected: user", "invalid user",
		"user invalid", "user is unknown", "recipient is not", "unknown email", "mailbox is not", "mailbox not available",
		"no such email", "not exist", "isn't a valid", "is not a valid", "unrecognized recipient", "rejected recipient",
		"moved", "no longer", "mailbox unknown", "no mail box", "mail box not found", "mail-box not found",
		"mail box unavailable", "no mail-box", "mailbox name not allowed", "invalid-recipient", "not user of", "user not known",
		"address syntax", "invalid rcpt",
		// not found, in the words of directories and address checks
		"address could not be found", "recipient could not be found", "user could not be found",
		"mailbox could not be found", "no one at this address", "not present in directory", "address not present",
		"address couldn't be found", "not an active address", "badrcptto", "can't accept user", "cannot accept user",
		"email name is not found", "has been replaced by", "in name directory", "utilisateur inconnu", "nessun utente"),

	// Policy named as the cause, in its generic words ("restricted by
	// policy error", "Reject due to policy restrictions", "MailPolicy
	// violation"): after every phrase that names a more precise cause.
	c(PolicyRelated, "rejected by policy", "restricted by policy", "denied by policy", "blocked by policy", "policy error",
		"policy violation", "policy restriction",
		"policy reasons", "local policy", "mailpolicy",
		// a recipient whose account may not receive such mail ("550 5.1.1
		// User unauthorized to receive external mail"): RFC 3463's X.7.1,
		// delivery not authorized, from the recipient's side; before the
		// address status a server sends with it
		"unauthorized to receive", "not authorized to receive", "not permitted to receive", "not allowed to receive",
		// a list's or an organization's rule about who may send to it
		"members-only", "members only", "non-member", "closed mailing list", "organizational settings", "list member",
		// the sender's account may not send such mail ("you do not have
		// permission to send Internet mail"), or the receiver's security
		// policy ("you are violating our security policies")
		"permission to send", "security policies", "security policy"),

	// The queue gave up (the engine's own expiry, Exim's "retry timeout
	// exceeded", Sendmail's "could not be delivered for 5 days",
	// Exchange, Postfix), after every phrase that names a cause: an
	// expiry notice that quotes its last error ("mailbox is full: retry
	// timeout exceeded", "Deferred: Name server: host name lookup failure
	// ... could not be delivered for 8 hours", "retry timeout exceeded;
	// last reply: 550 user unknown") is read by that cause, which says
	// whether the address is dead (a hard bounce, the suppression list)
	// or the domain cannot be reached, and "expired" says neither;
	// Sisimai re-examines an expired status the same way and ranks those
	// causes before "expired". Connection failures and transient words
	// are what an expiry usually quotes ("Deferred: Connection refused by
	// mx ... could not be delivered for 5 days", "retry timeout
	// exceeded"): the queue's verdict says more, so the expiry comes
	// before them.
	c(MessageExpired, "could not deliver for the last", "delivery expired", "after multiple retries",
		"allowed queue period", "not been collected", "retry period expired", "queue.expired", "message expired", "delivery time expired", "retry timeout exceeded",
		"queued longer than", "could not be delivered within", "could not be delivered for", "cannot send message for",
		"will be deleted from queue", "retry time not reached for any host", "maximum time in queue",
		"maximum number of delivery attempts", "delivery attempts exceeded", "too many delivery attempts",
		"maximum-time-expired", "time-expired", "failing for a long time", "envelope expired", "in the queue too long",
		"in queue too long", "in queue for too long", "in the queue for too long", "too long in the queue", "too long in queue"),
	// "Long message" after the queue's words, which join lines
	// ("Message could not be delivered for too long\nMessage will be
	// deleted from queue").
	c(MessageTooLarge, "long message"),

	// Connection failures reported as text
	// A timeout without a reply is a host that did not answer; a server
	// that replies "timeout" (Yandex's "421 4.4.2 Error: timeout
	// exceeded", "421 Timeout - closing connection") closed a session
	// that was open: a bad connection.
	only(noReply, c(NoAnswerFromHost, "connection timed out", "timed out", "i/o timeout", "timeout",
		// the platforms' own names for a connect that got no answer: the
		// POSIX errno symbol as Node.js (libuv) prints it ("connect
		// ETIMEDOUT 192.0.2.1:25"), Java's java.net exception
		"etimedout", "sockettimeoutexception")),
	// The same platforms' names for a refused, reset or unreachable
	// connection ("connect ECONNREFUSED", "read ECONNRESET",
	// java.net.ConnectException, NoRouteToHostException) and for a name
	// that does not exist (getaddrinfo's ENOTFOUND in Node.js, Java's
	// UnknownHostException: NXDOMAIN); a resolver that failed for now
	// (EAI_AGAIN, c-ares's ETIMEOUT) is in dnsTrouble.
	only(noReply, c(BadConnection, "econnrefused", "econnreset", "econnaborted", "ehostunreach", "enetunreach",
		"connectexception", "noroutetohostexception")),
	only(noReply, c(BadDomain, "enotfound", "unknownhostexception")),
	c(NoAnswerFromHost, "no answer", "not responding", "did not respond", "no response"),
	c(BadConnection, "connection refused", "no route to host", "connection reset", "network is unreachable",
		"host is unreachable", "lost connection", "connection closed", "connection lost", "broken pipe",
		"connection dropped", "unexpected eof", "connection was closed", "connection aborted", "dial tcp",
		"could not connect", "couldn't connect", "unable to connect", "failed to connect", "cannot connect",
		"lost input channel", "host unreachable", "unreachable host", "not reachable", "timed out", "timeout",
		// Haraka's outbound gives up on a domain with "Tried all MXs" when
		// no mail exchanger could be resolved or connected to (a
		// host's own reply is quoted instead)
		"tried all mxs", "tried all mx hosts"),

	// Transient conditions said in so many words
	only(notFinal, c(TransientFailure, "greylist", "graylist", "grey list", "gray list", "greylisted")),
	c(TransientFailure, "try again later",
		"please try again", "try later", "temporarily deferred", "temporary failure", "temporarily unavailable",
		"temporarily rejected", "temporary error", "temporary problem", "temporary system problem", "insufficient system storage",
		"system storage", "service currently unavailable", "server is busy", "too busy", "resources temporarily",
		"local error in processing", "please retry", "retry later", "temporary server error", "internal server error",
		"come back later", "verification in progress", "backend not running", "could not save", "unable to save",
		"failed to save", "temporarily denied",
		// the receiving system's own failure ("internal error reading
		// data", "queue file write error", "interrupted system call")
		"internal error", "write error", "system call"),
	// "Service (is currently) unavailable" on a 4xx; on a 5xx it wraps a
	// refusal (Postfix's "554 Service unavailable; Client host blocked").
	only(transient, c(TransientFailure, "not ready", "service unavailable", "service is unavailable", "service is currently unavailable",
		"service not available", "service temporarily unavailable")),
	// Last, when no cause is named: a delay notice and a count of
	// attempts ("has been delayed", "delivery attempts will continue",
	// "Delivery failed 20 attempts") are the queue's report; a refusal
	// at the greeting in Exim's words ("SMTP error from remote mail
	// server after initial connection") is the host's block.
	c(MessageExpired, "has been delayed", "attempts will continue", "attempts", "retries exceeded", "giving up on"),
	c(SpamBlock, "after initial connection"),
}

// senderListed: the envelope sender refused by the receiver's or the
// recipient's own list ("550 5.1.1 <a@example.com> sender is
// blacklisted", "You are registered as spammer (by user's reject list)",
// "The recipient definitively does not want your mail"): the receiver's
// policy about this sender, not a DNS blocklist's listing of the host,
// so it comes before the lists' words ("blacklist", "spammer") that such
// replies also use.
var senderListed = named(senderListedRule, c(PolicyRelated, "sender is blacklisted", "sender blacklisted",
	"sender address is blacklisted", "sender address has been blacklisted", "address has been blacklisted",
	// an address, not a host, on the list: DNS lists name IPs and
	// domains (RFC 5782), the receiver's own list names addresses
	"address is blacklisted", "address is blocklisted", "address is blocked by",
	// a user (an account, an address) on the list, in the same idiom
	// ("User in blacklist", Postfix's "Client host rejected: Blacklisted
	// user: a@example.com" from a check_sender_access map)
	"blacklisted user", "user in blacklist", "user is blacklisted", "user blacklisted", "user in black list",
	"sender is in my black list", "user's reject list", "personal reject list", "recipient's reject list",
	"recipient's block list", "recipient's blocklist", "recipient's blacklist", "recipient's blocked senders", "does not want your mail", "doesn't want your mail",
	// an organization's own list (Exchange Online's "blocked by your
	// organization using Tenant Allow Block List")
	"tenant allow", "allow/block list"))

// dnsTrouble: a resolver's failure in the words of resolvers and MTAs
// (Go's net package, Postfix, Exim, Sendmail, Exchange).
var dnsTrouble = []string{":53: ", "resolution error", "eai_again", " etimeout", "host lookup did not complete", "name service error", "servfail", "dns error", "dns failure",
	"dns lookup", "dns query", "name server", "nameserver", "temporary failure in name resolution", "server misbehaving",
	"dns timeout", "dns temporary", "lookup failed", "could not resolve", "unable to resolve", "failed to resolve",
	"cannot resolve", "can't resolve", "resolution failed", "resolution failure", "dns resolving", "resolving error",
	"lookup error", "lookup timeout", "resolver error", "temperror", "malformed dns"}

// wordRules are generic words (tier 5): they decide only when no code and
// no phrase did.
var wordRules = []textRule{
	w(InvalidRecipient, "address rejected", "recipient rejected", "rcpt rejected", "recipient", "mailbox", "unknown", "exist",
		"not found", "not deliverable", "undeliverable"),
	w(RelayDenied, "relay"),
	// The object a terse refusal names, when nothing says more: the
	// sender, SMTP AUTH, a loop, the format, a lookup on a 4xx.
	w(InvalidSender, "sender", "mail from"),
	w(AuthenticationFailed, "auth "),
	w(RoutingErrors, "loop"),
	w(ProtocolErrors, "syntax", "header", "parse"),
	only(transient, w(DNSFailure, "dns ", "resolver")),
	w(SpamBlock, "blocked", "block"),
	// On a 4xx, a refusal called temporary ("450 Temporary rejected") is
	// the deferral RFC 5321's class says it is, before the bare verdict.
	only(transient, w(TransientFailure, "temporar")),
	w(PolicyRelated, "access denied", "not allowed", "not permitted", "prohibited", "denied", "refused", "policy",
		"rejected", "reject", "not accepted", "administrative", "restricted", "forbidden", "unauthorized", "not authorized"),
	w(TransientFailure, "temporar", "try again", "later", "deferred", "unavailable", "busy"),
	only(noReply, w(BadConnection, "connection", "connect", "network", "socket", "refused")),
}
