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
			slow(wasmta.RateLimited, wasmta.ScopePath, 0.5, 30*time.Minute, 5, 60*time.Second)},
		{"gmail 550 5.7.26 dmarc", 550, "5.7.26", "5.7.26 Unauthenticated email from example.org is not accepted due to domain's DMARC policy. Please contact the administrator of example.org domain.",
			bounce(wasmta.AuthenticationFailed)},
		{"gmail 550-5.1.1 multi-line, no enhanced input", 550, "", "550-5.1.1 The email account that you tried to reach does not exist. Please try\n550-5.1.1 double-checking the recipient's email address for typos or\n550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser",
			bounce(wasmta.InvalidRecipient)},
		{"gmail 452 4.2.2 over quota", 452, "4.2.2", "4.2.2 The recipient's inbox is out of storage space. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp",
			category(wasmta.QuotaIssues)},
		{"gmail 550 5.7.1 unsolicited", 550, "5.7.1", "5.7.1 [192.0.2.1] Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked.",
			category(wasmta.SpamContent)},
		{"yahoo 421 4.7.0 [TSS04]", 421, "4.7.0", "[TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
			suspend(wasmta.RateLimited, wasmta.ScopePath, time.Hour, 0, 0)},
		{"yahoo 554 5.7.9 policy", 554, "5.7.9", "Message not accepted for policy reasons. See https://postmaster.yahooinc.com/error-codes",
			category(wasmta.PolicyRelated)},
		{"yahoo 553 5.7.1 [BL21]", 553, "5.7.1", "[BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes",
			suspend(wasmta.SpamBlock, wasmta.ScopePath, 2*time.Hour, 5, time.Hour)},
		{"yahoo 421 [TSS09]", 421, "4.7.0", "[TSS09] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes",
			suspend(wasmta.SpamBlock, wasmta.ScopePath, 4*time.Hour, 0, 0)},
		{"microsoft 550 5.7.1 S3150", 550, "5.7.1", "Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.",
			suspend(wasmta.SpamBlock, wasmta.ScopePath, 2*time.Hour, 5, time.Hour)},
		{"microsoft 550 5.7.606", 550, "5.7.606", "Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit https://sender.office.com/ and follow the directions.",
			suspend(wasmta.SpamBlock, wasmta.ScopePath, 4*time.Hour, 0, 0)},
		{"microsoft 550 5.7.649", 550, "5.7.649", "Access denied, banned sending IP [192.0.2.1]. For more information please go to http://go.microsoft.com/fwlink/?LinkID=526653",
			suspend(wasmta.SpamBlock, wasmta.ScopePath, 4*time.Hour, 0, 0)},
		{"microsoft 550 5.7.620, no text", 550, "5.7.620", "",
			suspend(wasmta.SpamBlock, wasmta.ScopePath, 4*time.Hour, 0, 0)},
		{"microsoft 5.7.650 is not in the banned range", 451, "4.7.650", "The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation.",
			suspend(wasmta.SpamBlock, wasmta.ScopePath, 30*time.Minute, 3, time.Hour)},
		{"microsoft 451 4.7.500", 451, "4.7.500", "Server busy. Please try again later from [192.0.2.1]. (S77719) [BN8NAM12FT058.eop-nam12.prod.protection.outlook.com]",
			slow(wasmta.RateLimited, wasmta.ScopePath, 0.5, 15*time.Minute, 3, time.Hour)},
		{"microsoft 550 5.1.10", 550, "5.1.10", "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
			bounce(wasmta.InvalidRecipient)},
		{"apple 550 5.7.1 [CS01]", 550, "5.7.1", "[CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137",
			category(wasmta.PolicyRelated)},
		{"apple 550 5.7.1 [HM08]", 550, "5.7.1", "[HM08] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137",
			category(wasmta.SpamContent)},
		{"apple 451 4.7.1 service unavailable", 451, "4.7.1", "Service unavailable - try again later",
			suspend(wasmta.RateLimited, wasmta.ScopePath, 15*time.Minute, 5, time.Hour)},
		{"apple 421 4.7.1 excessive volume", 421, "4.7.1", "Messages to someone@icloud.com deferred due to excessive volume. Try again later - https://support.apple.com/en-us/HT204137",
			slow(wasmta.RateLimited, wasmta.ScopePath, 0.5, 15*time.Minute, 5, time.Minute)},
		{"apple 550 5.1.1 user does not exist", 550, "5.1.1", "<someone@icloud.com>: user does not exist",
			category(wasmta.InvalidRecipient)},
		{"connection refused", 0, "", "dial tcp 192.0.2.1:25: connect: connection refused", category(wasmta.BadConnection)},
		{"connection failure without text", 0, "", "", category(wasmta.BadConnection)},
		{"dns nxdomain", 0, "", "lookup example.invalid: no such host; NXDOMAIN", category(wasmta.BadDomain)},
		{"unknown 4xx", 450, "", "please come back", category(wasmta.TransientFailure)},
		{"unknown 5xx", 554, "", "go away", category(wasmta.Other)},
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

// TestEveryRuleIsValid checks each provider rule's result against the
// ABI, and that every standard category can be produced.
func TestEveryRuleIsValid(t *testing.T) {
	produced := map[string]bool{wasmta.TransientFailure: true, wasmta.Other: true, wasmta.BadConnection: true}
	for _, r := range providerRules {
		if err := r.result.Validate(); err != nil {
			t.Errorf("rule %q: %v", r.name, err)
		}
		produced[r.result.Category] = true
	}
	for _, r := range textRules {
		produced[r.category] = true
	}
	for _, c := range wasmta.Categories {
		if !produced[c] && enhancedCategory("5."+enhancedFor(c)) != c {
			t.Errorf("no rule produces category %s", c)
		}
	}
}

// enhancedFor returns a subject.detail that enhancedCategory maps to c, or "".
func enhancedFor(c string) string {
	for _, sd := range []string{"1.1", "1.2", "2.1", "2.2", "2.3", "4.1", "4.7", "4.3", "5.1", "7.1", "7.26", "3.0"} {
		if enhancedCategory("5."+sd) == c {
			return sd
		}
	}
	return ""
}

func TestEnhancedIn(t *testing.T) {
	for text, want := range map[string]string{
		"550-5.1.1 The email account":             "5.1.1",
		"550 #5.1.0 Address rejected.":            "5.1.0",
		"421 4.7.0 [TSS04] Messages from 1.2.3.4": "4.7.0",
		"Unknown address error 550-'5.7.1 <x>":    "5.7.1",
		"version 2.10.3 released":                 "2.10.3",
		"from 192.0.2.1 deferred":                 "",
		"no code here":                            "",
		"5.7.1234 too long":                       "",
	} {
		if got := enhancedIn(text); got != want {
			t.Errorf("enhancedIn(%q) = %q, want %q", text, got, want)
		}
	}
}

// FuzzEnhancedIn: any text gives "" or a well-formed enhanced code found
// in it, never a panic.
func FuzzEnhancedIn(f *testing.F) {
	f.Add("550-5.1.1 The email account")
	f.Add("5.")
	f.Add("2.1.")
	f.Fuzz(func(t *testing.T, text string) {
		e := enhancedIn(text)
		if e == "" {
			return
		}
		if !strings.Contains(text, e) || !validEnhancedShape(e) {
			t.Fatalf("enhancedIn(%q) = %q", text, e)
		}
	})
}

func validEnhancedShape(e string) bool {
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
