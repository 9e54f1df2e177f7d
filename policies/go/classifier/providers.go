package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

// rule matches a reply by enhanced code, code class and/or text; every set
// condition must hold. needles are lowercase; any one of them matches.
// Its result's category is ignored: the category is sdk/go/bounce's, the
// rule adds the action and the traffic control.
type rule struct {
	name     string // provider and code, for tests and logs
	class    int    // 4 or 5; 0 = any
	enhanced string // exact enhanced code; "" = any
	from, to int    // with enhanced "5.7.x": detail codes from..to also match
	needles  []string
	result   wasmta.Classification
}

func (r *rule) matches(code int, enhanced, text string) bool {
	if r.class != 0 && code/100 != r.class {
		return false
	}
	if r.enhanced != "" && enhanced != r.enhanced && !r.inRange(enhanced) {
		return false
	}
	if len(r.needles) == 0 {
		return true
	}
	for _, n := range r.needles {
		if strings.Contains(text, n) {
			return true
		}
	}
	return false
}

// inRange reports whether enhanced is r.enhanced's class and subject with a
// detail between r.from and r.to (Microsoft's 5.7.606–5.7.649 block).
func (r *rule) inRange(enhanced string) bool {
	if r.to == 0 {
		return false
	}
	prefix := r.enhanced[:strings.LastIndexByte(r.enhanced, '.')+1]
	rest, ok := strings.CutPrefix(enhanced, prefix)
	if !ok {
		return false
	}
	n, err := strconv.Atoi(rest)
	return err == nil && n >= r.from && n <= r.to
}

func bounceIt() wasmta.Classification {
	return wasmta.Classification{Action: wasmta.ActionBounce}
}

// bounceAndSuspend bounces the message and suspends scope for d at once:
// a refusal that says a retry will not succeed, of a scope whose other
// mail would meet it too.
func bounceAndSuspend(scope string, d time.Duration) wasmta.Classification {
	return wasmta.Classification{Action: wasmta.ActionBounce, Scope: scope, Suspend: true, Duration: d}
}

func retry() wasmta.Classification {
	return wasmta.Classification{Action: wasmta.ActionRetry}
}

// suspend keeps the message queued and suspends scope for d, once
// threshold replies were seen within window (threshold 0: at once), the
// replies of one moment counting once (they are one event).
func suspend(scope string, d time.Duration, threshold int, window time.Duration) wasmta.Classification {
	return wasmta.Classification{
		Action: wasmta.ActionRetry, Scope: scope, Suspend: true,
		Duration: d, Threshold: threshold, Window: window,
	}
}

// slow keeps the message queued and multiplies the rate of scope by
// factor for d, once threshold replies (events) were seen within window.
func slow(scope string, factor float64, d time.Duration, threshold int, window time.Duration) wasmta.Classification {
	return wasmta.Classification{
		Action: wasmta.ActionRetry, Scope: scope, RateFactor: factor,
		Duration: d, Threshold: threshold, Window: window,
	}
}

// throttled is the reaction to a reply that says "too fast" or "too
// much volume": the category (RateLimited) already makes the engine's
// adaptive loop cut the path's rate, at most once a second, and learn it
// back up (docs/shaping.md), so the rule cuts nothing itself. Only when
// such replies keep coming, in 20 separate seconds of a minute (the
// replies of one moment count once, however many sessions got them),
// which the cuts should have stopped within seconds, does it pause the
// path for 5 minutes: the provider defers whatever the path sends.
func throttled() wasmta.Classification {
	return suspend(wasmta.ScopePath, 5*time.Minute, 20, time.Minute)
}

// trafficRules: the replies of Gmail, Yahoo, Microsoft and Apple that ask
// for more than the category's default action, most specific first.
// Sources: Google's "SMTP errors and reply codes" page, Yahoo's
// senders.yahooinc.com error codes, Microsoft's Outlook.com and Exchange
// Online NDR references, Apple's postmaster page; the traffic-control
// figures follow KumoMTA's community shaping automation.
var trafficRules = []rule{
	// Gmail
	// Gmail counts its 4.7.28 "unusual rate of unsolicited mail" for the
	// client's IP and for the sender's DKIM, SPF or URL domain ("...
	// originating from your DKIM domain [example.com 30] ... mail sent
	// from your domain has been temporarily rate limited"). A path (one
	// source IP to one site) carries every tenant that sends from the IP:
	// the domain's form is the tenant's limit, so the tenant's mail to
	// the site is paused (the engine then cuts no path rate, 64eb152) once
	// such replies came in 3 separate seconds of a minute, for 15
	// minutes; the IP's form is the path's throttle.
	{name: "gmail 421 4.7.28 unusual rate, sender domain", enhanced: "4.7.28",
		needles: []string{"dkim domain", "spf domain", "your url", "your domain", "of your urls", "containing one of your"},
		result:  suspend(wasmta.ScopeTenant, 15*time.Minute, 3, time.Minute)},
	{name: "gmail 421 4.7.28 unusual rate", enhanced: "4.7.28", result: throttled()},
	{name: "gmail 4.7.0 low reputation", class: 4, needles: []string{"very low reputation of the sending"},
		result: slow(wasmta.ScopePath, 0.5, time.Hour, 5, time.Hour)},
	{name: "gmail 5.7.26 unauthenticated", enhanced: "5.7.26", result: bounceIt()},
	{name: "gmail 5.2.1 receiving at a rate", needles: []string{"receiving mail at a rate that", "receiving mail too quickly"},
		result: retry()},
	{name: "gmail 5.2.1 disabled", needles: []string{"account that you tried to reach is disabled", "account is inactive"},
		result: bounceIt()},
	{name: "gmail 5.1.1 does not exist", needles: []string{"account that you tried to reach does not exist"},
		result: bounceIt()},

	// Yahoo and AOL
	{name: "yahoo [TSS04]", needles: []string{"[tss04]", "[ts04]", "[ipts04]"}, result: throttled()},
	{name: "yahoo [TSS05]", needles: []string{"[tss05]", "[ipts05]"},
		result: suspend(wasmta.ScopePath, 4*time.Hour, 2, time.Hour)},
	// "[TSS09] All messages from [IP] will be permanently deferred;
	// Retrying will NOT succeed": the message bounces, as the shared
	// rules read a deferral that says a retry will not succeed (RFC 3463
	// section 3.1's permanent failure), and the path is suspended at once
	// for 4 hours, so the rest of the source's mail to the site is not
	// sent into the block; a block, not a pace: the engine cuts no rate
	// for a bounced reputation reply.
	{name: "yahoo [TSS09] permanently deferred", needles: []string{"[tss09]", "will be permanently deferred"},
		result: bounceAndSuspend(wasmta.ScopePath, 4*time.Hour)},
	{name: "yahoo [TS01]-[TS03], [TSS02]", needles: []string{"[ts01]", "[ts02]", "[ts03]", "[tss01]", "[tss02]", "[tss03]"},
		result: throttled()},
	{name: "yahoo 553 5.7.1 [BLxx] spamhaus", needles: []string{"[bl21]", "[bl22]", "[bl23]", "[bl24]"},
		result: suspend(wasmta.ScopePath, 2*time.Hour, 5, time.Hour)},
	// a count per connection, not a rate: the next connection goes on
	{name: "yahoo 421 max messages per connection", needles: []string{"max message per connection reached"},
		result: retry()},
	{name: "yahoo 550 5.7.9 unauthenticated", needles: []string{"sender is unauthenticated"}, result: bounceIt()},
	{name: "yahoo dd no account", needles: []string{"doesn't have a yahoo", "doesn't have an aol"}, result: bounceIt()},

	// Microsoft (Outlook.com, Hotmail, Exchange Online)
	{name: "microsoft S3150/S3140 block list", needles: []string{"part of their network is on our block list", "(s3150)", "(s3140)"},
		result: suspend(wasmta.ScopePath, 2*time.Hour, 5, time.Hour)},
	{name: "microsoft 5.7.606-649 banned ip", enhanced: "5.7.606", from: 606, to: 649,
		result: suspend(wasmta.ScopePath, 4*time.Hour, 0, 0)},
	{name: "microsoft banned ip text", needles: []string{"banned sending ip"},
		result: suspend(wasmta.ScopePath, 4*time.Hour, 0, 0)},
	// "451 4.7.650 The mail server [IP] has been temporarily rate limited
	// due to IP reputation": a rate limit, set low by the IP's reputation,
	// and Outlook.com's most common throttle. The category stays the
	// cause (ReputationBlock, as Sisimai and the reports read it); the
	// engine cuts the path's rate on any 4xx reputation reply. A
	// suspension after 3 in an hour stopped the path for 30 minutes after
	// the three seconds of one overshoot: paused for 30 minutes only when
	// the replies keep coming after the cuts, as a throttle's (KumoMTA's
	// shipped rule slows the path to a trickle for 90 minutes at once).
	{name: "microsoft 4.7.650/651 rate limited, ip reputation", needles: []string{"rate limited due to ip reputation"},
		result: suspend(wasmta.ScopePath, 30*time.Minute, 20, time.Minute)},
	{name: "microsoft 4.7.500 server busy", needles: []string{"server busy. please try again later"}, result: throttled()},
	{name: "microsoft connection limit", needles: []string{"exceeded the maximum number of connections", "exceed max concurrent connections"},
		result: throttled()},
	{name: "microsoft 5.7.509/5.7.515 dmarc, auth level", needles: []string{"does not pass dmarc", "required authentication level"},
		result: bounceIt()},
	{name: "microsoft RecipNotFound", needles: []string{"resolver.adr.recipnotfound", "resolver.adr.recipientnotfound", "recipient not found by smtp address lookup"},
		result: bounceIt()},

	// Apple (iCloud, me.com, mac.com)
	{name: "apple [CS02]", needles: []string{"[cs02]"},
		result: suspend(wasmta.ScopePath, time.Hour, 5, time.Hour)},
	{name: "apple [HCM1] deferred", needles: []string{"[hcm1]"},
		result: suspend(wasmta.ScopePath, 15*time.Minute, 3, time.Hour)},
	{name: "apple [BS02] temporary error", needles: []string{"[bs02]"},
		result: suspend(wasmta.ScopePath, 15*time.Minute, 5, time.Hour)},
	// Apple defers a recipient that gets too much mail; many of them from
	// one IP within a minute mean the IP sends too fast.
	{name: "apple 4.7.1 excessive volume", needles: []string{"deferred due to excessive volume"}, result: throttled()},
	// Apple's "451 4.7.1 Service unavailable - try again later" is its
	// servers refusing everyone for a moment when every sender sends at
	// once ("at the top of the hour", per the smtp.codes notes), and it is
	// also the very text Postfix answers when a milter fails: a moment's
	// load, not this path's standing. X.7.1 says "not authorized", not
	// why. So it is a throttle like the others (the engine's loop slows
	// down once such replies confirm each other), not a 15-minute
	// suspension after five in an hour, which a busy path reached from
	// replies that came at random.
	{name: "apple 451 4.7.1 service unavailable", class: 4, needles: []string{"service unavailable - try again later"},
		result: throttled()},
	{name: "apple spamhaus dbl domain", needles: []string{"domain present in the spamhaus dbl"},
		result: suspend(wasmta.ScopeTenant, 4*time.Hour, 3, time.Hour)},
}
