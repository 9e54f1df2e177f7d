package conformance

import (
	"context"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

// native is the reference policy of testdata/conformance/README.md as
// plain Go on the engine's types: the oracle of the agreement tests and
// the native baseline of the benchmarks.
type native struct{}

var _ policy.Policy = native{}

func (native) Version() string { return "native" }

func (native) OnMailFrom(context.Context, *policy.MailFromInput) (policy.MailFromResult, error) {
	return policy.MailFromResult{}, policy.ErrNotImplemented
}

func (native) OnMessage(context.Context, *policy.MessageInput) (policy.MessageResult, error) {
	return policy.MessageResult{}, policy.ErrNotImplemented
}

// Rule 1.
func (native) OnRcpt(_ context.Context, in *policy.RcptInput) (policy.RcptResult, error) {
	domain := in.Recipient[strings.LastIndexByte(in.Recipient, '@')+1:]
	if !asciiEqualFold(domain, "blocked.example") {
		return policy.RcptResult{}, policy.ErrNotImplemented
	}
	return policy.RcptResult{Reject: &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "recipient domain blocked by policy"}}, nil
}

// Rule 2, with the suite's tables (ABI v1.4).
func (native) Route(_ context.Context, in *policy.RouteInput) (policy.Route, error) {
	if in.Tenant == "acme" {
		return policy.Route{Kind: policy.RouteHosts, Hosts: []string{"smtp.acme-relay.example:2525"}}, nil
	}
	if host, ok, _, _ := suiteTables.Lookup(in.Tenant, "smart_hosts", in.Domain); ok && len(host) <= 1024 {
		return policy.Route{Kind: policy.RouteHosts, Hosts: []string{string(host)}}, nil
	}
	return policy.Route{}, policy.ErrNotImplemented
}

// Rule 3.
func (native) SelectPool(_ context.Context, in *policy.PoolInput) (string, error) {
	var rep policy.Reputation
	if in.Reputation != nil {
		rep = *in.Reputation
	}
	switch {
	case rep.Tenant1h.ComplaintRatePPM() > 1000, rep.Campaign24h.BounceRatePPM() >= 50000:
		return "quarantine", nil
	case strings.HasPrefix(in.Campaign, "bulk-"):
		return "bulk", nil
	case in.Tenant == "acme":
		if p, _ := rep.Pool("acme-pool"); p.H1.ComplaintRatePPM() > 1000 {
			return "acme-backup", nil
		}
		return "acme-pool", nil
	}
	return "", policy.ErrNotImplemented
}

// Rule 4.
func (native) Shape(_ context.Context, in *policy.ShapeInput) (policy.Shape, error) {
	for _, mx := range in.MXHosts {
		if strings.HasSuffix(mx, ".google.com") {
			return policy.Shape{MaxConnections: 5, MessagesPerSecond: 2.5, MessagesPerConn: 50,
				TLS: policy.TLSRequired, TLSPolicy: policy.TLSPolicyEnforce, RetryInitial: 10 * time.Minute,
				Adapt: policy.Adaptation{MaxConnections: 20, Factor: 0.5,
					Signals:            policy.SignalRateLimited | policy.SignalRefused,
					MinMessagesPerConn: 10, MaxMessagesPerConn: 100}}, nil
		}
	}
	return policy.Shape{}, policy.ErrNotImplemented
}

// Rule 5.
func (native) Classify(_ context.Context, in *policy.ClassifyInput) (policy.Classification, error) {
	switch {
	case strings.Contains(in.Text, "[TSS04]"):
		return policy.Classification{Category: "RateLimited", Action: policy.ActionRetry,
			Scope: policy.ScopePath, Suspend: true, Duration: time.Hour}, nil
	case in.Code == 421 && in.Enhanced == "4.7.28":
		return policy.Classification{Category: "RateLimited", Scope: policy.ScopePath, RateFactor: 0.5,
			Duration: 30 * time.Minute, Threshold: 5, Window: time.Minute}, nil
	case in.Enhanced == "5.1.1":
		return policy.Classification{Category: "InvalidRecipient", Action: policy.ActionBounce,
			Suppress: policy.SuppressGlobal, SuppressFor: 30 * 24 * time.Hour}, nil
	case in.Enhanced == "5.7.10":
		return policy.Classification{Category: "TLSFailure", Action: policy.ActionRetry}, nil
	}
	return policy.Classification{}, policy.ErrNotImplemented
}

// asciiEqualFold compares with A-Z folded to a-z only (strings.EqualFold
// would also fold U+212A KELVIN SIGN to k).
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
