package bounce

// overrideRules: provider texts documented as reusing an enhanced code
// for another cause; they outrank the code (tier 0). (Microsoft's 5.4.1
// "Recipient address rejected: Access denied" for an unknown recipient
// needs none: X.4.1 in a reply is not specific, and "address rejected"
// decides.)
var overrideRules = []textRule{
	// Gmail sends 4.2.1/5.2.1 (mailbox disabled) for a recipient receiving
	// mail faster than it can take (support.google.com/a/answer/3726730).
	{tier: tierOverride, category: RateLimited, name: "gmail x.2.1 receiving too fast",
		needles: []string{"receiving mail at a rate that", "receiving mail too quickly", "receiving mail at too high a rate",
			"rate that prevents additional messages"}},
	// Gmail's bulk-sender requirements reuse X.7.27 (null MX sender) and
	// unregistered details for mail "rate limited because" it fails SPF,
	// DKIM or DMARC alignment (support.google.com/a/answer/3726730).
	{tier: tierOverride, category: AuthenticationFailed, name: "gmail x.7.2x rate limited unauthenticated",
		needles: []string{"rate limited because it is unauthenticated", "rate limited because there is no dmarc",
			"rate limited because it does not pass", "no dmarc alignment"}},
	// Exchange Online sends 5.7.12 (password transition) and 5.7.13
	// (account disabled) for a recipient that takes mail only from its
	// own organization (its NDR reference, 5.7.12, 5.7.13/5.7.135).
	{tier: tierOverride, category: PolicyRelated, name: "microsoft x.7.12/x.7.13x internal senders only",
		needles: []string{"not authenticated by organization", "not authenticated for group", "not authenticated for mailbox",
			"not authenticated for public folder"}},
	// Exchange Online sends 5.2.2 (mailbox full) when the sender's own
	// submission quota is used up (its NDR reference: "Submission quota
	// exceeded", "the sender's submission quota was exceeded").
	{tier: tierOverride, category: RateLimited, name: "microsoft x.2.2 submission quota",
		needles: []string{"submission quota exceeded", "submission quota was exceeded"}},
	// Gmail's sender requirements reuse registered codes for other
	// causes (support.google.com/a/answer/81126 and 3726730): X.7.27
	// (sender's null MX) and X.7.30 (REQUIRETLS) for "senders to
	// authenticate with SPF/DKIM", X.7.29 (ARC) for "senders to use
	// TLS/SSL", X.7.23 (SPF) for a missing or mismatched PTR record.
	{tier: tierOverride, category: AuthenticationFailed, name: "gmail x.7.27/x.7.30 authenticate",
		needles: []string{"senders to authenticate with", "senders to authenticate their email with"}},
	{tier: tierOverride, category: TLSFailure, name: "gmail x.7.29 tls required",
		needles: []string{"senders to use tls/ssl"}},
	// ... and X.7.10/X.7.11 (encryption) for "SMTP protocol violation"
	// (its SMTP error list: 525 5.7.10, 451/454 4.5.0).
	{tier: tierOverride, category: ProtocolErrors, name: "gmail smtp protocol violation",
		needles: []string{"smtp protocol violation"}},
	{tier: tierOverride, category: PolicyRelated, name: "gmail x.7.23 ptr",
		needles: []string{"have a ptr record, or the ptr record", "sending guidelines regarding ptr records"}},

	// Providers' own codes, documented with their meaning (provcodes.go
	// has the numbered ones): the code says more than the enhanced code
	// sent with it.
	// Facebook (facebook.com/postmaster/response_codes): a group, P
	// (permanent) or T (temporary) and a number.
	{tier: tierOverride, category: SpamBlock, name: "facebook POL-P1 listed", needles: []string{"pol-p1"}},
	{tier: tierOverride, category: ReputationBlock, name: "facebook POL not accepting from your server",
		needles: []string{"pol-p2", "pol-p3", "pol-p4", "pol-t1", "pol-t2", "pol-t3"}},
	{tier: tierOverride, category: Virus, name: "facebook POL-P5 virus", needles: []string{"pol-p5"}},
	{tier: tierOverride, category: SpamContent, name: "facebook POL-P6 blocked url", needles: []string{"pol-p6"}},
	{tier: tierOverride, category: AuthenticationFailed, name: "facebook POL-P7 domain authentication", needles: []string{"pol-p7"}},
	{tier: tierOverride, category: InvalidRecipient, name: "facebook RCP-P1 INT-P1 no such recipient",
		needles: []string{"rcp-p1", "int-p1", "int-p3", "int-p4"}},
	{tier: tierOverride, category: PolicyRelated, name: "facebook RCP-P2 RCP-P3 recipient preferences", needles: []string{"rcp-p2", "rcp-p3"}},
	{tier: tierOverride, category: TransientFailure, name: "facebook RCP-T1 internal issue", needles: []string{"rcp-t1"}},
	{tier: tierOverride, category: InactiveMailbox, name: "facebook RCP-T4 deactivated", needles: []string{"rcp-t4"}},
	{tier: tierOverride, category: MessageTooLarge, name: "facebook MSG-P1 INT-P2 size", needles: []string{"msg-p1", "int-p2"}},
	{tier: tierOverride, category: ProhibitedContent, name: "facebook MSG-P2 attachment type", needles: []string{"msg-p2"}},
	{tier: tierOverride, category: ProtocolErrors, name: "facebook MSG-P3 repeated header", needles: []string{"msg-p3"}},
	{tier: tierOverride, category: TooManyRecipients, name: "facebook MSG-T1 CON-T4 recipients", needles: []string{"msg-t1", "con-t4"}},
	{tier: tierOverride, category: RateLimited, name: "facebook CON-T1-T3 connections", needles: []string{"con-t1", "con-t2", "con-t3"}},
	{tier: tierOverride, category: InvalidSender, name: "facebook DNS-P1 DNS-P2 DNS-T1 sender domain",
		needles: []string{"dns-p1", "dns-p2", "dns-t1"}},
	{tier: tierOverride, category: PolicyRelated, name: "facebook DNS-P3 DNS-T2 reverse dns", needles: []string{"dns-p3", "dns-t2"}},
	// GoDaddy (secureserver.net, "Fix rejected email with a bounce
	// error"): IBnnn at the end of the reply.
	{tier: tierOverride, category: AuthenticationFailed, name: "godaddy IB401 IB508 authentication", needles: []string{"ib401", "ib508"}},
	{tier: tierOverride, category: ProtocolErrors, name: "godaddy IB501 IB502 From: header", needles: []string{"ib501", "ib502"}},
	{tier: tierOverride, category: InvalidSender, name: "godaddy IB506 From: domain", needles: []string{"ib506"}},
	{tier: tierOverride, category: PolicyRelated, name: "godaddy IB108 reverse dns", needles: []string{"ib108"}},
	{tier: tierOverride, category: SpamContent, name: "godaddy IB212 spam content", needles: []string{"ib212"}},
	{tier: tierOverride, category: Virus, name: "godaddy IB705 virus", needles: []string{"ib705"}},
	{tier: tierOverride, category: TooManyRecipients, name: "godaddy IB605 recipients", needles: []string{"ib605"}},
	// (IB101, "Server temporarily unavailable. Try again later", is left
	// to its words: a deferral, not documented as a rate.)
	{tier: tierOverride, category: RateLimited, name: "godaddy IB007 IB504 IB510 IB607 rate",
		needles: []string{"ib007", "ib504", "ib510", "ib607"}},
	{tier: tierOverride, category: ReputationBlock, name: "godaddy IB103 IB110-IB113 behaviour block",
		needles: []string{"ib103", "ib110", "ib111", "ib112", "ib113"}},
	{tier: tierOverride, category: SpamBlock, name: "godaddy IB104-IB106 listed", needles: []string{"ib104", "ib105", "ib106"}},
}

// providerRules: texts that large mailbox providers and security gateways
// document on their error pages (tier 2). Sources: Google's "SMTP errors
// and reply codes", Yahoo's postmaster error codes, Microsoft's Exchange
// Online and Outlook.com NDR references, Apple's postmaster page, the
// gateways' lookup and delisting pages named in their replies.
var providerRules = []textRule{
	// Gmail
	p("gmail low reputation", ReputationBlock, "very low reputation of the sending", "low reputation of the sending domain", "low reputation of the sending ip",
		"likely suspicious due to the very low reputation"),
	p("gmail unsolicited", SpamContent, "this message is likely unsolicited", "nature of the content or the links"),
	p("gmail no such user", InvalidRecipient, "account that you tried to reach does not exist", "p=nosuchuser"),
	p("gmail disabled", InactiveMailbox, "account that you tried to reach is disabled", "account that you tried to reach is inactive", "p=disabledaccount"),
	p("gmail over quota", QuotaIssues, "inbox is out of storage space", "p=overquotatemp", "p=overquotaperm", "out of storage space"),
	p("gmail security issue", ProhibitedContent, "content presents a potential security issue", "blocked because its content presents", "p=blockedmessage"),
	p("gmail ptr", PolicyRelated, "does not have a ptr record", "ptr record setup"),
	// Gmail's documented 421 4.7.0 deferral ("Try again later, closing
	// connection."), whatever command it answered ("(EHLO)").
	p("gmail try again", TransientFailure, "try again later, closing connection"),
	p("gmail unauthenticated", AuthenticationFailed, "does not have authentication information", "does not pass spf", "spf record with a hard fail", "not accepted due to domain's dmarc policy"),
	p("gmail tls required", TLSFailure, "requires a secure connection", "must issue a starttls command first"),
	p("gmail too many recipients", TooManyRecipients, "your message has too many recipients"),
	p("gmail group spam", SpamContent, "rejected due to spam classification"),
	p("gmail could not connect", NoAnswerFromHost, "did not accept our requests to connect"),

	// Yahoo and AOL
	p("yahoo [TSS04] [TS04]", RateLimited, "[tss04]", "[ts04]", "[ipts04]", "[tss05]", "[ipts05]", "[ts01]", "[ts02]", "[tss01]", "[tss02]", "[tss03]", "max message per connection reached"),
	// [TS03] is Yahoo's "all messages from <ip> permanently deferred"
	// (help.yahoo.com SLN3436): the IP's reputation, not a pace.
	p("yahoo [TSS09] [TSS11] [TS03]", ReputationBlock, "[tss09]", "[tss11]", "[ts03]", "will be permanently deferred", "permanently deferred"),
	p("yahoo [BLxx]", SpamBlock, "[bl21]", "[bl22]", "[bl23]", "[bl24]"),
	p("yahoo unauthenticated", AuthenticationFailed, "sender is unauthenticated"),
	p("yahoo policy", PolicyRelated, "not accepted for policy reasons"),
	p("yahoo no account", InvalidRecipient, "doesn't have a yahoo", "doesn't have an aol"),
	p("yahoo disabled", InactiveMailbox, "this mailbox is disabled", "(554.30)"),

	// Microsoft (Outlook.com, Hotmail, Exchange Online)
	p("microsoft block list", SpamBlock, "part of their network is on our block list", "(s3150)", "(s3140)", "banned sending ip", "access denied, banned sender"),
	p("microsoft ip reputation", ReputationBlock, "due to ip reputation", "traffic not accepted from this ip", "(s775)"),
	p("microsoft recipient not found", InvalidRecipient, "resolver.adr.recipnotfound", "resolver.adr.recipientnotfound", "recipient not found by smtp address lookup", "resolver.adr.exrecipnotfound",
		// the NDR's own summary for 5.1.1 ("Your message to a@example.com
		// couldn't be delivered. a wasn't found at example.com.", Microsoft's
		// "Fix email delivery issues for error code 5.1.1 ... in Exchange
		// Online")
		"wasn't found at", "was not found at"),
	p("microsoft relay", RelayDenied, "unable to relay recipient in non-accepted domain", "tenantattribution; relay access denied", "relay access denied attr"),
	p("microsoft size", MessageTooLarge, "resolver.rst.recipsizelimit", "message too large for this recipient"),
	p("microsoft quota", QuotaIssues, "quotaexceededexception", "storedrv.deliver.exception:quotaexceeded"),
	p("microsoft auth", AuthenticationFailed, "resolver.rst.authrequired", "not authenticated to send anonymous mail", "required authentication level"),
	p("microsoft group restriction", PolicyRelated, "resolver.rst.notauthorized", "sendernotauthenticatedforgroup", "not authorized to send to this group", "does not allow external forwarding"),
	p("microsoft unregistered domain", PolicyRelated, "client blocked from sending from unregistered domains"),
	// Exchange Online's 4.7.500-699 and 4.7.850-899 "Access denied,
	// please try again later": the sending IP held back for its traffic.
	p("microsoft access denied try later", ReputationBlock, "access denied, please try again later"),
	p("microsoft server busy", RateLimited, "server busy. please try again later", "exceeded the maximum number of connections", "exceed max concurrent connections"),
	p("microsoft dns", DNSFailure, "smtpsend.dns.mxlookupfailed", "dns query failed"),
	p("microsoft nonexistent domain", BadDomain, "smtpsend.dns.nonexistentdomain", "nonexistent domain"),
	p("microsoft outlook.com unknown user", InvalidRecipient, "requested action not taken: mailbox unavailable"),
	p("microsoft receive limits", RateLimited, "recipientthreshold", "message receive limit", "recipient thread limit exceeded"),
	p("microsoft spam abuse", SpamBlock, "spam abuse detected"),
	p("microsoft wrong region", BadConfiguration, "sent to the wrong office 365 region"),

	// Apple (iCloud)
	p("apple [CS01]", PolicyRelated, "[cs01]"),
	p("apple [CS02]", SpamBlock, "[cs02]"),
	p("apple [HM08]", SpamContent, "[hm08]"),
	p("apple [HCM1] excessive volume", RateLimited, "[hcm1]", "deferred due to excessive volume"),
	p("apple [BS02]", TransientFailure, "[bs02]"),
	p("apple 4.7.1 service unavailable", RateLimited, "service unavailable - try again later"),
	p("apple spamhaus dbl", SpamBlock, "domain present in the spamhaus dbl"),

	// Cox (cox.com "Email error codes": replies carry AUP#CODE)
	p("cox CXBL block", SpamBlock, "aup#cxbl", "aup#ipbl", "ipbl0001", "ipbl0010", "ipbl0100", "ipbl1000"),
	p("cox CDRBL temporary block", ReputationBlock, "aup#cdrbl"),
	p("cox connections and volume", RateLimited, "aup#cxcnct", "aup#cxmxrt"),
	p("cox rDNS", PolicyRelated, "aup#cxdns"),
	// CXSNDR: the mail failed the sending domain's SPF or DKIM checks;
	// CXSMTP: Cox could not verify the sender as legitimate.
	p("cox sender authentication", AuthenticationFailed, "aup#cxsndr"),
	p("cox unverified sender", InvalidSender, "aup#cxsmtp"),
	p("cox bad commands block", SpamBlock, "cox too many bad commands"),
	p("cox rdns check", PolicyRelated, "dns check failure - try again later"),
	p("cox suspicious account", PolicyRelated, "aup#cxthrt", "aup#cxmj"),
	p("cox URL block list", SpamContent, "aup#urlbl", "urlbl"),

	// QQ (Tencent) answers a sender over its frequency limits with "550
	// Mailbox unavailable or access denied" (its help page on bounce
	// codes, as the SMTP Field Manual quotes it): a pace, not a mailbox,
	// before "mailbox unavailable".
	p("qq frequency limited", RateLimited, "unavailable or access denied", "unavailable or access denined"),

	// Other mailbox providers with documented codes
	// GoDaddy (secureserver.net "bounce error" page: IBnnn codes)
	p("comcast block", SpamBlock, "comcast block for spam", "#bl000"),
	p("comcast rate", RateLimited, "#rl000"),
	p("att dnsbl", SpamBlock, "dnsbl:attrbl", "abuse_rbl@abuse-att.net"),
	p("gmx bad ptr", PolicyRelated, "bad dns ptr resource record"),
	p("amazon ses suppressed", Suppressed, "has suppressed sending to this address", "account-level suppression list", "on the suppression list"),
	// SES refuses to send for a From identity not verified with it: the
	// relay refusing to relay for this sender, as Sisimai's reason order
	// reads it (norelaying before rejected).
	p("amazon ses sender not verified", RelayDenied, "email address is not verified", "identities failed the check"),
	p("mailgun suppressed", Suppressed, "not delivering to previously bounced address", "previously bounced address", "not delivering to a user who marked your messages as spam", "unsubscribed address"),
	p("sparkpost suppressed", Suppressed, "suppressed due to system policy", "recipient address was suppressed"),
	p("postmark inactive", Suppressed, "recipient that has been marked as inactive"),

	// Security gateways: a block with a lookup or delisting page
	p("proofpoint ipcheck", SpamBlock, "ipcheck.proofpoint.com", "proofpoint dynamic reputation", "blocked - see https://ipcheck"),
	p("barracuda reputation", SpamBlock, "barracuda reputation", "barracudanetworks.com/reputation", "barracudacentral.org"),
	p("cisco talos reputation", ReputationBlock, "senderbase.org", "talosintelligence.com", "sending mta's poor reputation",
		"your access to this mail system has been rejected", "to submit messages to this e-mail system has been rejected"),
	p("trend micro ers", SpamBlock, "ers.trendmicro.com", "ers-rbl", "trendmicro.com/ers", "trend micro email reputation service"),
	p("mimecast rbl", SpamBlock, "ip found in rbl", "mimecast.com/docs/doc-1369#550 [ip"),
	p("mimecast spoofing", AuthenticationFailed, "anti-spoofing policy", "rejected by header based anti-spoofing"),
	p("mimecast envelope blocked", PolicyRelated, "envelope blocked", "blocked by customer policy"),
	p("mimecast security policies", PolicyRelated, "rejected due to security policies"),
	p("sophos block", SpamBlock, "sophos.com/en-us/threat-center"),
	// Symantec Email Security.cloud refuses a listed sending IP in
	// numbered policy codes ("Connection rejected by policy [7.3] 38206,
	// please visit support.symantec.com ...").
	p("symantec messagelabs", SpamBlock, "messagelabs.com", "symanteccloud.com", "connection rejected by policy [7."),
	p("spamcop", SpamBlock, "spamcop.net"),
	// T-Online names the cause in parentheses at the end of its refusals
	// ("554 IP=192.0.2.3 - A problem occurred. (Ask your postmaster ...)
	// (BL)"): BL, the sending IP on its blocklist (postmaster.t-online.de).
	p("t-online blocklist", SpamBlock, "(bl)"),
	// Orange and La Poste refuse a sending IP with "Service refuse.
	// Veuillez essayer plus tard. Service refused, please try later."
	// under several numbers (103, 999 and others whose list entry names
	// no cause): the IP's block, not a deferral, despite "try later".
	p("orange service refused", SpamBlock, "service refuse. veuillez", "service refused, please try later"),
	// Strato's content filter names what it found in parentheses ("554
	// Refused by local policy. No SPAM please! (B-ATTACH)"): B-ATTACH is an
	// attachment that may not be sent (its help page on e-mail errors);
	// B-URL, B-TEXT, B-SCORE and B-EX are spam content, decided by "spam".
	p("strato attachment", ProhibitedContent, "(b-attach)"),
}
