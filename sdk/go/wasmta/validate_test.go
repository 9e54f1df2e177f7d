//go:build !wasip1

package wasmta

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestRouteValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		route Route
		bad   string // substring of the error, "" = valid
	}{
		{"zero is MX", Route{}, ""},
		{"mx domain", Route{MXDomain: "mx.example.net"}, ""},
		{"hosts", Route{Hosts: []string{"relay.example.net:2525", "192.0.2.1", "[2001:db8::1]:25", "2001:db8::2"}}, ""},
		{"both", Route{MXDomain: "a.example", Hosts: []string{"b.example"}}, "both set"},
		{"bad port", Route{Hosts: []string{"relay.example.net:0"}}, "host"},
		{"bad domain", Route{MXDomain: "-x.example"}, "mx_domain"},
		{"too many", Route{Hosts: strings.Fields(strings.Repeat("h.example ", 17))}, "at most 16"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkErr(t, tc.route.Validate(), tc.bad) })
	}
}

func TestClassificationValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Classification
		bad  string
	}{
		{"category only", Classification{Category: RateLimited}, ""},
		{"suspend path", Classification{Category: RateLimited, Scope: ScopePath, Suspend: true, Duration: time.Hour}, ""},
		{"halve rate", Classification{Scope: ScopeSite, RateFactor: 0.5, Duration: 30 * time.Minute, Threshold: 5, Window: time.Minute}, ""},
		{"unknown category", Classification{Category: "Throttled"}, "category"},
		{"unknown action", Classification{Action: "drop"}, "action"},
		{"factor 1", Classification{Scope: ScopePath, RateFactor: 1, Duration: time.Minute}, "rate_factor"},
		{"scope without control", Classification{Scope: ScopePath, Duration: time.Minute}, "scope set"},
		{"scope without duration", Classification{Scope: ScopePath, Suspend: true}, "scope set"},
		{"control without scope", Classification{Suspend: true, Duration: time.Minute}, "without a scope"},
		{"duration past 7d", Classification{Scope: ScopePath, Suspend: true, Duration: 8 * 24 * time.Hour}, "duration_ms"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkErr(t, tc.c.Validate(), tc.bad) })
	}
}

func TestShapeValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Shape
		bad  string
	}{
		{"zero", Shape{}, ""},
		{"typical", Shape{MaxConnections: 5, MessagesPerSecond: 10, TLS: TLSRequired, RetryInitial: time.Minute, RetryMax: time.Hour}, ""},
		{"too many connections", Shape{MaxConnections: 10001}, "max_connections"},
		{"bad tls", Shape{TLS: "always"}, "tls"},
		{"tls_policy enforce", Shape{TLSPolicy: TLSPolicyEnforce}, ""},
		{"tls_policy report_only", Shape{TLSPolicy: TLSPolicyReportOnly}, ""},
		{"bad tls_policy", Shape{TLSPolicy: "relax"}, "tls_policy"},
		{"retry max below initial", Shape{RetryInitial: time.Hour, RetryMax: time.Minute}, "retry_max_ms"},
		{"negative rate", Shape{MessagesPerSecond: -1}, "messages_per_second"},
		{"adaptation", Shape{MaxConnections: 5, Adapt: Adaptation{MaxConnections: 20, Factor: 0.5, Signals: SignalRefused | SignalTimeout}}, ""},
		{"adapt factor of 1", Shape{Adapt: Adaptation{Factor: 1}}, "adapt_factor"},
		{"adapt ceiling below floor", Shape{Adapt: Adaptation{MinRate: 5, MaxRate: 2}}, "adapt_max"},
		{"adapt signals", Shape{Adapt: Adaptation{Signals: 8}}, "adapt_signals"},
		{"messages per connection bounds", Shape{MessagesPerConnection: 50, Adapt: Adaptation{MinMessagesPerConnection: 10, MaxMessagesPerConnection: 100}}, ""},
		{"messages per connection ceiling below floor", Shape{Adapt: Adaptation{MinMessagesPerConnection: 10, MaxMessagesPerConnection: 9}}, "adapt_max_messages_per_connection"},
		{"messages per connection floor out of range", Shape{Adapt: Adaptation{MinMessagesPerConnection: -1}}, "adapt_min_messages_per_connection"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkErr(t, tc.s.Validate(), tc.bad) })
	}
}

func TestReceptionValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    MessageResult
		bad  string
	}{
		{"accept", MessageResult{}, ""},
		{"reject", MessageResult{Reject: &Reply{Code: 550, Enhanced: "5.7.1", Text: "no"}}, ""},
		{"code out of range", MessageResult{Reject: &Reply{Code: 250}}, "reject.code"},
		{"enhanced class mismatch", MessageResult{Reject: &Reply{Code: 450, Enhanced: "5.7.1"}}, "reject.enhanced"},
		{"text with newline", MessageResult{Reject: &Reply{Code: 550, Text: "a\nb"}}, "reject.text"},
		{"tenant with space", MessageResult{Tenant: "a b"}, "tenant"},
		{"header with colon", MessageResult{AddHeaders: []HeaderField{{"X:Y", "v"}}}, "header name"},
		{"dkim selector", MessageResult{DKIM: "example.org:s1"}, ""},
		{"dkim bad", MessageResult{DKIM: "exa mple.org"}, "dkim"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkErr(t, tc.r.Validate(), tc.bad) })
	}
}

func TestHeaderValue(t *testing.T) {
	in := MessageInput{Header: "From: a@example.org\r\nSubject: hello\r\n  folded world\r\nX-Tag:  t1 \r\nx-tag: t2"}
	for _, tc := range []struct{ name, want string }{
		{"subject", "hello  folded world"},
		{"x-TAG", "t1"},
		{"from", "a@example.org"},
	} {
		got, ok := in.HeaderValue(tc.name)
		if !ok || got != tc.want {
			t.Errorf("HeaderValue(%q) = %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
	if _, ok := in.HeaderValue("To"); ok {
		t.Error("HeaderValue(To) found a field that is not there")
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Fatalf("no error, want one containing %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("error %q does not contain %q", err, want)
	}
}

// FuzzHeaderValue: any header block and name give an answer without a
// panic, and a found value has no line feed left in it (lines end at LF;
// a stray CR inside a line is kept, as the host keeps it).
func FuzzHeaderValue(f *testing.F) {
	f.Add("Subject: a\r\n b\r\nTo: x", "subject")
	f.Add("\r\n\r\n:\n \t", "")
	f.Add("X:", "x")
	f.Fuzz(func(t *testing.T, header, name string) {
		in := MessageInput{Header: header}
		v, ok := in.HeaderValue(name)
		if ok && strings.Contains(v, "\n") {
			t.Fatalf("HeaderValue(%q) = %q keeps a line feed", name, v)
		}
	})
}

func TestReputationRates(t *testing.T) {
	big := int64(1) << 60
	for _, tc := range []struct {
		c                   ReputationCounts
		complaints, bounces int64
	}{
		{ReputationCounts{}, 0, 0},
		{ReputationCounts{Complaints: 3}, 0, 0},
		{ReputationCounts{Deliveries: 999, Complaints: 1}, 1001, 0},
		{ReputationCounts{Deliveries: 97, Bounces: 3, OOBBounces: 2}, 0, 50000},
		{ReputationCounts{Deliveries: big, Complaints: big / 1000}, 999, 0},
		{ReputationCounts{Deliveries: 1, Complaints: big}, math.MaxInt64, 0},
	} {
		if got := tc.c.ComplaintRatePPM(); got != tc.complaints {
			t.Errorf("%+v: ComplaintRatePPM %d, want %d", tc.c, got, tc.complaints)
		}
		if got := tc.c.BounceRatePPM(); got != tc.bounces {
			t.Errorf("%+v: BounceRatePPM %d, want %d", tc.c, got, tc.bounces)
		}
	}
}
