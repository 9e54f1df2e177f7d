package bounce

import "testing"

// TestRound19Shapes: round 19's shapes decide where their shape is there
// and nowhere else — a count per period of time is a rate whatever wraps
// it (a count without a period is not); a checking program that failed
// on a 4xx is a transient failure (a message that failed a check is the
// check's verdict); a blocklist named beside a resolver's failure on a
// 4xx is a DNS failure (a listing is not); a message's malformed form
// and its multipart nesting are the format's.
func TestRound19Shapes(t *testing.T) {
	checkShapes(t, []shapeCase{
		{450, "4.7.1", "Policy rejection: at most 20 messages per 5 minutes", RateLimited, false},
		{451, "", "Too busy: 300 connections in the last hour from your network", RateLimited, false},
		{452, "4.2.2", "Over limit, 1,000 emails in past 24h from this sender", RateLimited, false},
		{421, "", "limit is 10 rcpts/min", RateLimited, false},
		{452, "4.5.3", "Limit of 200 recipients per message exceeded", RateLimited, true},
		{452, "", "5 messages in queue for this mailbox", RateLimited, true},
		{552, "5.2.2", "Mailbox full: 4000 messages in folder", RateLimited, true},
		{451, "4.7.1", "Content filter failed, try again later", TransientFailure, false},
		{451, "", "Spam scanner is not responding", TransientFailure, false},
		{450, "", "milter error", TransientFailure, false},
		{550, "5.7.1", "Message failed the content filter", TransientFailure, true},
		{554, "", "Virus filter failed", TransientFailure, true},
		{451, "4.7.1", "Message rejected by virus filter", TransientFailure, true},
		{451, "", "DNS lookup timeout on bl.spamcop.net", DNSFailure, false},
		{421, "", "Rejected: listed at zen.spamhaus.org", DNSFailure, true},
		{550, "", "Malformed e-mail header", ProtocolErrors, false},
		{554, "", "Message has too deeply nested MIME parts", ProtocolErrors, false},
		{554, "5.7.1", "Nested attachments of type .exe are not allowed", ProhibitedContent, true},
	})
}
