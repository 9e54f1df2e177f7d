// Command conformance is the Go build of the cross-language reference
// policy: the behaviour testdata/conformance/README.md specifies and
// testdata/conformance/cases.toml checks. The Rust, C, AssemblyScript and
// WAT builds implement the same rules; keep this file a literal reading of
// the README, with no behaviour the README does not state.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o conformance.wasm .
package main

import (
	"strings"
	"time"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

func init() {
	wasmta.HandleRcpt(rcpt)
	wasmta.HandleRoute(route)
	wasmta.HandleSelectPool(selectPool)
	wasmta.HandleShape(shape)
	wasmta.HandleClassify(classify)
}

// Rule 1: refuse recipients of blocked.example.
func rcpt(in *wasmta.RcptInput) (wasmta.RcptResult, bool) {
	domain := in.Recipient[strings.LastIndexByte(in.Recipient, '@')+1:]
	if !asciiEqualLower(domain, "blocked.example") {
		return wasmta.RcptResult{}, false
	}
	return wasmta.RcptResult{Reject: &wasmta.Reply{Code: 550, Enhanced: "5.7.1", Text: "recipient domain blocked by policy"}}, true
}

// Rule 2: tenant acme goes through its smart host; other tenants through
// the smart host the table smart_hosts names for the domain (ABI v1.4).
func route(in *wasmta.RouteInput) (wasmta.Route, bool) {
	if in.Tenant == "acme" {
		return wasmta.Route{Hosts: []string{"smtp.acme-relay.example:2525"}}, true
	}
	if host, ok := wasmta.Lookup("smart_hosts", in.Domain); ok {
		return wasmta.Route{Hosts: []string{host}}, true
	}
	return wasmta.Route{}, false
}

// Rule 3: a tenant or campaign with a bad reputation goes to quarantine,
// then bulk campaigns, then acme's own pool, or its backup pool when
// acme's complaints through its own pool passed 0.1% (ABI v1.7).
func selectPool(in *wasmta.PoolInput) (string, bool) {
	switch {
	case in.Reputation.Tenant1h.ComplaintRatePPM() > 1000,
		in.Reputation.Campaign24h.BounceRatePPM() >= 50000:
		return "quarantine", true
	case strings.HasPrefix(in.Campaign, "bulk-"):
		return "bulk", true
	case in.Tenant == "acme":
		if p, _ := in.Reputation.Pool("acme-pool"); p.H1.ComplaintRatePPM() > 1000 {
			return "acme-backup", true
		}
		return "acme-pool", true
	}
	return "", false
}

// Rule 4: Google-hosted sites.
func shape(in *wasmta.ShapeInput) (wasmta.Shape, bool) {
	for _, mx := range in.MXHosts {
		if strings.HasSuffix(mx, ".google.com") {
			return wasmta.Shape{
				MaxConnections:        5,
				MessagesPerSecond:     2.5,
				MessagesPerConnection: 50,
				TLS:                   wasmta.TLSRequired,
				TLSPolicy:             wasmta.TLSPolicyEnforce,
				RetryInitial:          10 * time.Minute,
				Adapt: wasmta.Adaptation{MaxConnections: 20, Factor: 0.5,
					Signals:                  wasmta.SignalRateLimited | wasmta.SignalRefused,
					MinMessagesPerConnection: 10, MaxMessagesPerConnection: 100},
			}, true
		}
	}
	return wasmta.Shape{}, false
}

// Rule 5: four classification rules, in order.
func classify(in *wasmta.ClassifyInput) (wasmta.Classification, bool) {
	switch {
	case strings.Contains(in.Text, "[TSS04]"):
		return wasmta.Classification{
			Category: wasmta.RateLimited, Action: wasmta.ActionRetry,
			Scope: wasmta.ScopePath, Suspend: true, Duration: time.Hour,
		}, true
	case in.Code == 421 && in.Enhanced == "4.7.28":
		return wasmta.Classification{
			Category: wasmta.RateLimited, Scope: wasmta.ScopePath, RateFactor: 0.5,
			Duration: 30 * time.Minute, Threshold: 5, Window: time.Minute,
		}, true
	case in.Enhanced == "5.1.1":
		return wasmta.Classification{Category: wasmta.InvalidRecipient, Action: wasmta.ActionBounce,
			Suppress: wasmta.SuppressGlobal, SuppressFor: 30 * 24 * time.Hour}, true
	case in.Enhanced == "5.7.10":
		return wasmta.Classification{Category: wasmta.TLSFailure, Action: wasmta.ActionRetry}, true
	}
	return wasmta.Classification{}, false
}

// asciiEqualLower reports whether s, with A–Z lowercased (only those, as
// the README specifies: no Unicode case folding), is lower. It compares in
// place: converting to []byte and back is two runtime calls per message,
// about 80 cache lines of compiled code out of the caches between messages
// (docs/benchmarks.md, "Policy cost, session 9").
func asciiEqualLower(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func main() {}
