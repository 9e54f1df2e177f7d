// Package logic is the decision logic the benchmarks run: a route by
// tenant and campaign, and a classifier of ~20 text rules plus the
// enhanced code, with traffic control for Yahoo [TSS04] and Gmail 4.7.28.
// It is plain Go with no imports from the SDK or the host, so the same
// code is compiled into the wasm module and called natively.
package logic

import "strings"

// Route is the next hop: MXDomain, or Hosts, or neither (MX of the domain).
type Route struct {
	MXDomain string
	Hosts    []string
}

var smartHosts = map[string][]string{
	"relayco": {"smtp-relay.example.net:587"},
	"globex":  {"mx1.globex-relay.example:2525", "mx2.globex-relay.example:2525"},
}

// RouteFor decides the route of (tenant, campaign, domain); ok is false
// for "no opinion".
func RouteFor(tenant, campaign, domain string) (Route, bool) {
	if h, ok := smartHosts[tenant]; ok {
		return Route{Hosts: h}, true
	}
	if strings.HasPrefix(campaign, "bulk-") {
		return Route{MXDomain: "bulk-mx." + domain}, true
	}
	return Route{}, false
}

// Class is a classification: category, action and traffic control.
type Class struct {
	Category   string
	Action     string // "", "retry", "bounce"
	Suspend    bool
	RateFactor float64
	DurationMS int64
	Threshold  int64
	WindowMS   int64
}

type rule struct {
	needle string
	class  Class
}

// Rules are checked in order against the lowercased text.
var rules = []rule{
	{"[tss04]", Class{Category: "RateLimited", Action: "retry", Suspend: true, DurationMS: 3_600_000}},
	{"4.7.28", Class{Category: "RateLimited", RateFactor: 0.5, DurationMS: 1_800_000, Threshold: 5, WindowMS: 60_000}},
	{"rate limit", Class{Category: "RateLimited"}},
	{"too many", Class{Category: "RateLimited"}},
	{"[cs01]", Class{Category: "PolicyRelated"}},
	{"spamhaus", Class{Category: "SpamBlock"}},
	{"blocklist", Class{Category: "SpamBlock"}},
	{"block list", Class{Category: "SpamBlock"}},
	{"spam", Class{Category: "SpamContent"}},
	{"virus", Class{Category: "Virus"}},
	{"dmarc", Class{Category: "AuthenticationFailed", Action: "bounce"}},
	{"spf", Class{Category: "AuthenticationFailed", Action: "bounce"}},
	{"mailbox full", Class{Category: "QuotaIssues"}},
	{"over quota", Class{Category: "QuotaIssues"}},
	{"user unknown", Class{Category: "InvalidRecipient", Action: "bounce"}},
	{"no such user", Class{Category: "InvalidRecipient", Action: "bounce"}},
	{"does not exist", Class{Category: "InvalidRecipient", Action: "bounce"}},
	{"disabled", Class{Category: "InactiveMailbox"}},
	{"policy", Class{Category: "PolicyRelated"}},
	{"try again later", Class{Category: "TransientFailure"}},
}

// Classify classifies a reply.
func Classify(code int, enhanced, text string) Class {
	if code == 0 {
		return Class{Category: "BadConnection"}
	}
	lower := strings.ToLower(text)
	for i := range rules {
		if strings.Contains(lower, rules[i].needle) {
			return rules[i].class
		}
	}
	switch {
	case strings.HasPrefix(enhanced, "5.1."):
		return Class{Category: "InvalidRecipient", Action: "bounce"}
	case strings.HasPrefix(enhanced, "5.7."):
		return Class{Category: "PolicyRelated"}
	case code >= 400 && code < 500:
		return Class{Category: "TransientFailure"}
	}
	return Class{Category: "Other"}
}
