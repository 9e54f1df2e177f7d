//go:build !wasip1

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

// TestProviderTexts runs the replies Gmail, Yahoo, Microsoft and Apple
// send (as documented by each provider) through the hook and checks the
// category and the traffic-control action.
func TestProviderTexts(t *testing.T) {
	for _, tc := range []struct {
		name string
		code int
		enh  string
		text string
		want wasmta.Classification
	}{
		{"gmail 421 4.7.28", 421, "4.7.28", "4.7.28 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited.",
			want(wasmta.RateLimited, throttled())},
		{"gmail 421 4.7.28 dkim domain", 421, "4.7.28", "4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your DKIM domain [example.com 30]. To protect our users from spam, mail sent from your domain has been temporarily rate limited.",
			want(wasmta.RateLimited, suspend(wasmta.ScopeTenant, 15*time.Minute, 3, time.Minute))},
		{"gmail 421 4.7.28 spf domain", 421, "4.7.28", "4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your SPF domain [example.com 25].",
			want(wasmta.RateLimited, suspend(wasmta.ScopeTenant, 15*time.Minute, 3, time.Minute))},
		{"gmail 421 4.7.28 url", 421, "4.7.28", "4.7.28 Our system has detected an unusual rate of unsolicited mail containing one of your URLs. To protect our users from spam, mail that contains your URL has been temporarily rate limited.",
			want(wasmta.RateLimited, suspend(wasmta.ScopeTenant, 15*time.Minute, 3, time.Minute))},
		{"gmail 550 5.7.26 dmarc", 550, "5.7.26", "5.7.26 Unauthenticated email from example.org is not accepted due to domain's DMARC policy. Please contact the administrator of example.org domain.",
			want(wasmta.AuthenticationFailed, bounceIt())},
		{"gmail 550-5.1.1 multi-line, no enhanced input", 550, "", "550-5.1.1 The email account that you tried to reach does not exist. Please try\n550-5.1.1 double-checking the recipient's email address for typos or\n550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser",
			want(wasmta.InvalidRecipient, bounceIt())},
		{"gmail 452 4.2.2 over quota", 452, "4.2.2", "4.2.2 The recipient's inbox is out of storage space. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp",
			want(wasmta.QuotaIssues, wasmta.Classification{})},
		{"gmail 550 5.7.1 unsolicited", 550, "5.7.1", "5.7.1 [192.0.2.1] Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked.",
			want(wasmta.SpamContent, wasmta.Classification{})},
		{"yahoo 421 4.7.0 [TSS04]", 421, "4.7.0", "[TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
			want(wasmta.RateLimited, throttled())},
		{"yahoo 554 5.7.9 policy", 554, "5.7.9", "Message not accepted for policy reasons. See https://postmaster.yahooinc.com/error-codes",
			want(wasmta.PolicyRelated, wasmta.Classification{})},
		{"yahoo 553 5.7.1 [BL21]", 553, "5.7.1", "[BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes",
			want(wasmta.SpamBlock, suspend(wasmta.ScopePath, 2*time.Hour, 5, time.Hour))},
		{"yahoo 421 [TSS09]", 421, "4.7.0", "[TSS09] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes",
			want(wasmta.ReputationBlock, bounceAndSuspend(wasmta.ScopePath, 4*time.Hour))},
		{"microsoft 550 5.7.1 S3150", 550, "5.7.1", "Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.",
			want(wasmta.SpamBlock, suspend(wasmta.ScopePath, 2*time.Hour, 5, time.Hour))},
		{"microsoft 550 5.7.606", 550, "5.7.606", "Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit https://sender.office.com/ and follow the directions.",
			want(wasmta.SpamBlock, suspend(wasmta.ScopePath, 4*time.Hour, 0, 0))},
		{"microsoft 550 5.7.649", 550, "5.7.649", "Access denied, banned sending IP [192.0.2.1]. For more information please go to http://go.microsoft.com/fwlink/?LinkID=526653",
			want(wasmta.SpamBlock, suspend(wasmta.ScopePath, 4*time.Hour, 0, 0))},
		{"microsoft 550 5.7.620, no text", 550, "5.7.620", "",
			want(wasmta.SpamBlock, suspend(wasmta.ScopePath, 4*time.Hour, 0, 0))},
		{"microsoft 5.7.650 is not in the banned range", 451, "4.7.650", "The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation.",
			want(wasmta.ReputationBlock, suspend(wasmta.ScopePath, 30*time.Minute, 20, time.Minute))},
		{"microsoft 451 4.7.500", 451, "4.7.500", "Server busy. Please try again later from [192.0.2.1]. (S77719) [BN8NAM12FT058.eop-nam12.prod.protection.outlook.com]",
			want(wasmta.RateLimited, throttled())},
		{"yahoo 421 4.7.0 [TS01]", 421, "4.7.0", "[TS01] Messages from 192.0.2.1 temporarily deferred due to excessive volume. See https://postmaster.yahooinc.com/error-codes",
			want(wasmta.RateLimited, throttled())},
		{"microsoft 421 connection limit", 421, "4.3.2", "The maximum number of concurrent server connections has exceeded a limit, closing transmission channel; exceeded the maximum number of connections",
			want(wasmta.RateLimited, throttled())},
		{"microsoft 550 5.1.10", 550, "5.1.10", "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
			want(wasmta.InvalidRecipient, bounceIt())},
		{"apple 550 5.7.1 [CS01]", 550, "5.7.1", "[CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137",
			want(wasmta.PolicyRelated, wasmta.Classification{})},
		{"apple 550 5.7.1 [HM08]", 550, "5.7.1", "[HM08] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137",
			want(wasmta.SpamContent, wasmta.Classification{})},
		{"apple 451 4.7.1 service unavailable", 451, "4.7.1", "Service unavailable - try again later",
			want(wasmta.RateLimited, throttled())},
		{"apple 421 4.7.1 excessive volume", 421, "4.7.1", "Messages to someone@icloud.com deferred due to excessive volume. Try again later - https://support.apple.com/en-us/HT204137",
			want(wasmta.RateLimited, throttled())},
		{"apple 550 5.1.1 user does not exist", 550, "5.1.1", "<someone@icloud.com>: user does not exist",
			want(wasmta.InvalidRecipient, wasmta.Classification{})},
		{"connection refused", 0, "", "dial tcp 192.0.2.1:25: connect: connection refused", want(wasmta.BadConnection, wasmta.Classification{})},
		{"connection failure without text", 0, "", "", want(wasmta.BadConnection, wasmta.Classification{})},
		{"dns nxdomain", 0, "", "lookup example.invalid: no such host; NXDOMAIN", want(wasmta.BadDomain, wasmta.Classification{})},
		{"unknown 4xx", 450, "", "please come back", want(wasmta.TransientFailure, wasmta.Classification{})},
		{"unknown 5xx", 554, "", "go away", want(wasmta.Other, wasmta.Classification{})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := wasmta.CallClassify(&wasmta.ClassifyInput{Site: "mx.example", Stage: "rcpt", Code: tc.code, Enhanced: tc.enh, Text: tc.text})
			if err != nil || !ok {
				t.Fatalf("classify: decided=%v err=%v", ok, err)
			}
			if got != tc.want {
				t.Fatalf("classify =\n  %+v\nwant\n  %+v", got, tc.want)
			}
		})
	}
}

// want is a traffic rule's result with the category sdk/go/bounce gives.
func want(category string, c wasmta.Classification) wasmta.Classification {
	c.Category = category
	return c
}

// TestEveryRuleIsValid checks each traffic rule's result against the ABI
// with every category.
func TestEveryRuleIsValid(t *testing.T) {
	for _, r := range trafficRules {
		for _, c := range wasmta.Categories {
			res := want(c, r.result)
			if err := res.Validate(); err != nil {
				t.Errorf("rule %q: %v", r.name, err)
				break
			}
		}
	}
}

// TestThrottlesLeaveTheCutToTheEngine: a reply that says "too fast" is
// categorised RateLimited (the engine's adaptive loop cuts the path on
// it) and the rule itself neither cuts the rate nor suspends on one
// reply; reputation and blocklist replies keep their long suspensions.
func TestThrottlesLeaveTheCutToTheEngine(t *testing.T) {
	for _, r := range trafficRules {
		c := r.result
		if c.Duration > 5*time.Minute && c.Threshold < 2 && c.RateFactor == 0 && c.MaxConnections == 0 {
			// a long suspension at once must be about reputation or a block list
			if name := strings.ToLower(r.name); !strings.Contains(name, "tss09") && !strings.Contains(name, "banned") {
				t.Errorf("rule %q suspends for %v on one reply", r.name, c.Duration)
			}
		}
	}
	got, ok, err := wasmta.CallClassify(&wasmta.ClassifyInput{Site: "mx.example", Stage: "mail", Code: 451,
		Text: "Sender rate exceeds the limit of 100 messages per hour"})
	if err != nil || !ok || got.Category != wasmta.RateLimited || got.Suspend || got.RateFactor != 0 {
		t.Fatalf("an Exim-style throttle: %+v decided=%v err=%v", got, ok, err)
	}
}
