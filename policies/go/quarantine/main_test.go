//go:build !wasip1

package main

import (
	"testing"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

func TestSelectPool(t *testing.T) {
	c := func(del, bounces, hard, complaints int64) wasmta.ReputationCounts {
		return wasmta.ReputationCounts{Deliveries: del, Bounces: bounces, HardBounces: hard, Complaints: complaints}
	}
	for _, tc := range []struct {
		name string
		rep  wasmta.Reputation
		want bool
	}{
		{"nothing happened", wasmta.Reputation{}, false},
		{"2 complaints in 1000 deliveries this hour", wasmta.Reputation{Tenant1h: c(1000, 0, 0, 2)}, true},
		{"exactly 0.1%", wasmta.Reputation{Tenant1h: c(1000, 0, 0, 1)}, false},
		{"one complaint among the first deliveries", wasmta.Reputation{Tenant1h: c(10, 0, 0, 1)}, false},
		{"the complaints are a day old", wasmta.Reputation{Tenant24h: c(1000, 0, 0, 5)}, false},
		{"6% hard bounces today", wasmta.Reputation{Tenant24h: c(940, 60, 60, 0)}, true},
		{"6% soft bounces today", wasmta.Reputation{Tenant24h: c(940, 60, 0, 0)}, false},
		{"hard bounces among few sends", wasmta.Reputation{Tenant24h: c(5, 5, 5, 0)}, false},
	} {
		got, ok, err := wasmta.CallSelectPool(&wasmta.PoolInput{Tenant: "acme", Domain: "gmail.com", Reputation: tc.rep})
		if err != nil || ok != tc.want || (ok && got != quarantinePool) {
			t.Errorf("%s: select_pool = %q, %v, %v; want quarantine %v", tc.name, got, ok, err, tc.want)
		}
	}
}
