//go:build !wasip1

package main

import (
	"slices"
	"testing"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

func TestDecisionsFollowTables(t *testing.T) {
	wasmta.SetTable(tenantPools, map[string]string{"acme": "warm"})
	wasmta.SetTable(tenantRoutes, map[string]string{"relayco": "relay1.example:587, relay2.example:587"})
	wasmta.SetTable(blockedDomains, map[string]string{"blocked.example": "competitor"})
	if p, ok, err := wasmta.CallSelectPool(&wasmta.PoolInput{Tenant: "acme"}); err != nil || !ok || p != "warm" {
		t.Errorf("select_pool(acme) = %q, %v, %v", p, ok, err)
	}
	if _, ok, _ := wasmta.CallSelectPool(&wasmta.PoolInput{Tenant: "other"}); ok {
		t.Error("select_pool(other) decided; want no opinion")
	}
	r, ok, err := wasmta.CallRoute(&wasmta.RouteInput{Tenant: "relayco"})
	if err != nil || !ok || !slices.Equal(r.Hosts, []string{"relay1.example:587", "relay2.example:587"}) {
		t.Errorf("route(relayco) = %+v, %v, %v", r, ok, err)
	}
	res, ok, err := wasmta.CallRcpt(&wasmta.RcptInput{Recipient: "x@Blocked.Example"})
	if err != nil || !ok || res.Reject == nil || res.Reject.Code != 550 {
		t.Errorf("rcpt(x@Blocked.Example) = %+v, %v, %v", res, ok, err)
	}
	wasmta.SetTable(tenantPools, map[string]string{"acme": "cold"})
	if p, _, _ := wasmta.CallSelectPool(&wasmta.PoolInput{Tenant: "acme"}); p != "cold" {
		t.Errorf("after the table changed: %q", p)
	}
}
