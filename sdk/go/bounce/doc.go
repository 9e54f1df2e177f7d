// Package bounce is wasmta's bounce classifier as a plain Go library: it
// maps one SMTP reply (code, enhanced status code, text) or one failure
// without a reply to a category, a default action and the name of the rule
// that decided.
//
// Both classifiers compile it in: the built-in default of the MTA
// (mta/policy) and the reference policy module (policies/go/classifier),
// so the two agree by construction. It imports nothing but the standard
// library and has no build constraints, so a policy module in Go can use it
// as well.
//
// Evidence is ranked as RFC 3463 and experienced operators rank it, the
// first tier that has an answer decides:
//
//  0. a provider text documented as reusing a code for something else
//     (Gmail's 5.2.1 for a recipient receiving mail too fast), and a
//     provider's own numbered error code documented with its meaning
//     (Facebook's RCP-P2, GoDaddy's IB504, Spectrum's AUP#In-1310,
//     Orange's OFR_420: provcodes.go);
//  1. a specific enhanced status code (RFC 3463 and the IANA registry:
//     X.1.1 bad mailbox, X.2.2 mailbox full, X.7.26 authentication ...;
//     not X.5.1/X.5.2/X.5.4, which say a command was refused but not
//     why, nor an address status on a 4xx; Exchange Online's documented
//     details the registry does not know, microsoft.go). It yields to a
//     tier-3 phrase where it is likely a default: the phrase names what
//     the reply code means (552 storage, 535 credentials ...), or the code
//     is X.1.1/X.1.2/X.1.3 and the phrase names a full or disabled
//     mailbox, a rate, a refusal to relay or the envelope sender (X.1.2,
//     the system, also a missing mailbox), or X.5.3 and the phrase names
//     a rate or the receiver's rule for bounces; X.4.7 (delivery time
//     expired) yields to any provider text or phrase ranked before the
//     expiry phrase, the cause an expiry notice quotes; X.4.6 (routing
//     loop) to any phrase when the text names no loop, hop count or
//     Received: header; on RFC 5321's
//     500-504 a phrase naming a protocol fault decides, unless an
//     address status's text names the address. A code the text gives
//     only in qmail's trailing position ("553 we don't relay (#5.7.1)",
//     "(#5.1.1 - chkuser)"), not after the reply code where RFC 3463
//     puts it, is a filter's fixed code more often than its verdict: a
//     specific one yields to any provider text or phrase of another
//     category, and a generic one (tier 4) on a 5xx other than 500-504
//     to a word that names what was refused (tier 5's "relay",
//     "recipient"; not a bare verdict);
//  2. documented provider and security-gateway texts (Gmail, Yahoo,
//     Microsoft, Apple, Proofpoint, Mimecast, Barracuda, Cisco ...);
//  3. phrases that name a cause ("user unknown", "relay access denied"),
//     then the queue's giving up ("retry timeout exceeded"), then the
//     connection failures and transient words an expiry usually quotes;
//     a bare quota under X.7.x is a sending quota (RateLimited), and an
//     SPF/DKIM/DMARC check on a 4xx without X.7.x the lookup failure
//     RFC 7208's temperror is (DNSFailure); greylisting words decide
//     only off a 5xx (RFC 6647: a greylist answers 4xx); a reply that
//     addresses the client by its IP ("Your address 192.0.2.1 ...")
//     refuses the host (SpamBlock) over content or rate words, and so
//     does Postfix's "Client host rejected:" over address or relay words;
//     on a 4xx, a check that could not run ("454 4.7.0 Temporary
//     authentication failure", RFC 4954; "temporary failure in sender
//     address verification") is TransientFailure, not the check's
//     verdict, RFC 5321's 450 "mailbox unavailable" a mailbox that may
//     take mail later, and a server's "too many ... attempts" a pace; on
//     RFC 5321's 503 (bad sequence of commands) the sender's, the
//     recipient's and the sending host's words and the bare
//     "authentication" name the command out of order, and on any of
//     500-504 a mailbox state ("VRFY command is disabled") the command's:
//     the reply code decides;
//  4. a generic enhanced code's subject (X.7.1 policy, X.5.x protocol;
//     a detail the registry does not know is read as its X.Y.0), except
//     on a 500-504 reply, whose code (the command's syntax or sequence)
//     decides before a code that gives only its subject (X.Y.0, an
//     unregistered detail), not before a registered detail ("501 5.7.1
//     Permission denied" is X.7.1's policy); on a 4xx whose words call
//     the failure a pause ("deferred", "temporarily", "not available")
//     the class decides (TransientFailure); a policy subject on a 5xx
//     whose text after Postfix's "Recipient/Sender address rejected:"
//     names an IPv4 address refused the client host (SpamBlock);
//  5. generic words ("rejected", "denied", "try again later"); on a
//     500-504 reply only those that name what was refused ("relay",
//     "sender"), the reply code deciding before a bare verdict ("not
//     allowed", "denied"), and on 503 before any word; on a 4xx whose
//     words call the failure a pause, the class (TransientFailure);
//  6. the reply code (RFC 5321, 4954, 7504: 535, 538, 552, 556 ...) and
//     its class: 4xx transient, 5xx other;
//  7. no reply at all: a connection failure when nothing else matched.
//
// ClassifyAt adds the session's stage when it is known (in band, or as a
// bounce states it): a 5xx at the greeting or EHLO/HELO that tiers 5 or
// 6's class decided ("550 Rejected", "554 go away") refuses the sending
// host before any sender, recipient or message was named, so it is
// SpamBlock (rule "stage banner"); a spam verdict in words (tier 3)
// before DATA ("554 5.7.1 Rejected as spam" at RCPT) judged no content,
// none having been sent, so it is SpamBlock too (rule "stage rcpt"). An
// unknown stage ("") changes nothing.
//
// A failure text that quotes a remote reply ("host x said: 550 ...", a
// transcript's "<<< 550", "550-'5.7.1") is read with that reply's code,
// and the enhanced code that follows a reply code wins over a relay's own
// summary code placed before it. A text that quotes a whole transcript
// (two or more failure replies with different codes) takes none of them
// as its own: the first failure code before an enhanced code, or the
// words, decide.
//
// A phrase counts for its category only when it is about that
// category's object (MAPPING.md, round 18): a word inside an email
// address (and, for tier 5's generic words, inside a dotted host name)
// is a name, not a word; a mailbox's state or existence said only of the
// envelope sender is the sender's (InvalidSender); a content verdict
// whose text names the client's address as its object ("?ip=<ip>",
// "<ip>: your mail ...") refuses the host (SpamBlock); an address or
// mailbox status (X.1.x, X.2.x but X.2.3) yields to a phrase about the
// session or client (TLS, AUTH), which no mailbox has; and on a 4xx a
// check named with a temporary or internal error ("internal DKIM
// error") is the service that could not run (TransientFailure).
//
// Round 19 reads three shapes whatever words wrap them (MAPPING.md): a
// count per period of time ("N mails in N seconds", "N msgs per 15m")
// is a rate (RateLimited) before a generic code, a mailbox's (X.2.2) or
// a transaction's (X.5.3) count; on a 4xx a checking program named as
// the failure's subject ("filter failed", "scanner error", "milter
// unavailable") is a check that did not run (TransientFailure), and a
// blocklist named beside a resolver's failure ("DNS error", "lookup
// timeout") a list query that got no answer (DNSFailure, RFC 5782).
//
// policies/go/classifier/MAPPING.md documents the categories, their
// KumoMTA and Sisimai names, and the agreement measured on held-out data.
package bounce
