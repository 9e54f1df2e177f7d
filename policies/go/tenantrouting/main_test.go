//go:build !wasip1

package main

import (
	"slices"
	"testing"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

func TestSelectPool(t *testing.T) {
	for _, tc := range []struct {
		tenant, campaign string
		want             string
		decided          bool
	}{
		{"acme", "", "acme-pool", true},
		{"acme", "bulk-spring", "bulk", true},
		{"other", "bulk-x", "bulk", true},
		{"other", "newsletter", "", false},
		{"acme", "bulk", "acme-pool", true}, // the prefix includes the dash
	} {
		got, ok, err := wasmta.CallSelectPool(&wasmta.PoolInput{Tenant: tc.tenant, Campaign: tc.campaign, Domain: "gmail.com"})
		if err != nil || ok != tc.decided || got != tc.want {
			t.Errorf("select_pool(%q, %q) = %q, %v, %v; want %q, %v", tc.tenant, tc.campaign, got, ok, err, tc.want, tc.decided)
		}
	}
}

func TestRoute(t *testing.T) {
	r, ok, err := wasmta.CallRoute(&wasmta.RouteInput{Tenant: "relayco", Domain: "gmail.com"})
	if err != nil || !ok || !slices.Equal(r.Hosts, smartHosts["relayco"]) || r.MXDomain != "" {
		t.Fatalf("route(relayco) = %+v, %v, %v; want its smart hosts", r, ok, err)
	}
	if _, ok, _ := wasmta.CallRoute(&wasmta.RouteInput{Tenant: "acme", Domain: "gmail.com"}); ok {
		t.Fatal("route(acme) decided; want no opinion (MX)")
	}
}

func TestRcptRejectsBlockedDomains(t *testing.T) {
	for _, tc := range []struct {
		rcpt   string
		reject bool
	}{
		{"a@blocked.example", true},
		{"B@Competitor.Example", true},
		{"a@example.com", false},
		{"no-at-sign", false},
	} {
		r, ok, err := wasmta.CallRcpt(&wasmta.RcptInput{Tenant: "acme", Recipient: tc.rcpt})
		if err != nil {
			t.Fatalf("on_rcpt(%q): %v", tc.rcpt, err)
		}
		if ok != tc.reject || (tc.reject && (r.Reject == nil || r.Reject.Code != 550 || r.Reject.Enhanced != "5.7.1")) {
			t.Errorf("on_rcpt(%q) = %+v, %v; want reject=%v with 550 5.7.1", tc.rcpt, r.Reject, ok, tc.reject)
		}
	}
}
