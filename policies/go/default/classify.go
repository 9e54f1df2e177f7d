package main

import (
	"strings"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

// classify is the built-in bounce classifier: well-known texts first, then
// the enhanced status code (RFC 3463), then the basic code.
func classify(in *wasmta.ClassifyInput) string {
	if in.Code == 0 {
		return wasmta.BadConnection
	}
	text := strings.ToLower(in.Text)
	for _, r := range textRules {
		if strings.Contains(text, r.needle) {
			return r.category
		}
	}
	if c := enhancedCategory(in.Enhanced); c != "" {
		return c
	}
	if in.Code >= 400 && in.Code < 500 {
		return wasmta.TransientFailure
	}
	return wasmta.Other
}

var textRules = []struct{ needle, category string }{
	{"[tss04]", wasmta.RateLimited},
	{"4.7.28", wasmta.RateLimited},
	{"rate limit", wasmta.RateLimited},
	{"too many", wasmta.RateLimited},
	{"unusual rate", wasmta.RateLimited},
	{"[cs01]", wasmta.PolicyRelated},
	{"spamhaus", wasmta.SpamBlock},
	{"blocklist", wasmta.SpamBlock},
	{"blacklist", wasmta.SpamBlock},
	{"spam", wasmta.SpamContent},
	{"virus", wasmta.Virus},
	{"mailbox full", wasmta.QuotaIssues},
	{"over quota", wasmta.QuotaIssues},
	{"quota exceeded", wasmta.QuotaIssues},
	{"user unknown", wasmta.InvalidRecipient},
	{"no such user", wasmta.InvalidRecipient},
	{"does not exist", wasmta.InvalidRecipient},
	{"disabled", wasmta.InactiveMailbox},
	{"inactive", wasmta.InactiveMailbox},
	{"dmarc", wasmta.AuthenticationFailed},
	{"spf", wasmta.AuthenticationFailed},
	{"dkim", wasmta.AuthenticationFailed},
}

func enhancedCategory(e string) string {
	if len(e) < 5 {
		return ""
	}
	switch e[2:] {
	case "1.1", "1.0", "1.3", "1.6":
		return wasmta.InvalidRecipient
	case "1.2", "4.4":
		return wasmta.BadDomain
	case "2.1":
		return wasmta.InactiveMailbox
	case "2.2":
		return wasmta.QuotaIssues
	case "2.3", "3.4":
		return wasmta.MessageTooLarge
	case "4.1", "4.2", "4.7":
		return wasmta.BadConnection
	case "4.3", "4.6":
		return wasmta.RoutingErrors
	case "5.0", "5.1", "5.2", "5.3", "5.4", "5.5", "5.6":
		return wasmta.ProtocolErrors
	case "7.1":
		return wasmta.PolicyRelated
	case "7.23", "7.24", "7.25", "7.26", "7.27", "7.20", "7.21", "7.22":
		return wasmta.AuthenticationFailed
	case "3.0", "3.1", "3.2", "2.0":
		return wasmta.TransientFailure
	}
	return ""
}
