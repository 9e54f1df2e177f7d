package hostabi

import (
	"encoding/binary"
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
)

// TestReputationInputs: select_pool and on_message answer every
// reputation.SCOPE.WINDOW.NAME key of ABI v1.3 from the input's counts
// (zero without any), other hooks answer NOT_AVAILABLE, and a name that is
// not in the ABI is NOT_FOUND.
func TestReputationInputs(t *testing.T) {
	rep := &policy.Reputation{
		Tenant1h:    policy.ReputationCounts{Deliveries: 999, Bounces: 1, HardBounces: 1, OOBBounces: 2, Complaints: 1},
		Tenant24h:   policy.ReputationCounts{Deliveries: 3000, Complaints: 7},
		Campaign24h: policy.ReputationCounts{Bounces: 4},
	}
	pool := &call{in: &policy.PoolInput{Tenant: "acme", Reputation: rep}}
	msg := &call{in: &policy.MessageInput{Tenant: "acme", Reputation: rep}}
	bare := &call{in: &policy.PoolInput{Tenant: "acme"}}
	route := &call{in: &policy.RouteInput{Tenant: "acme"}}
	if v, st := lookupPool(pool, "reputation"); st != 0 || len(v.b) != 160 ||
		binary.LittleEndian.Uint64(v.b[0:]) != 999 || binary.LittleEndian.Uint64(v.b[4*8:]) != 1 ||
		binary.LittleEndian.Uint64(v.b[9*8:]) != 7 || binary.LittleEndian.Uint64(v.b[16*8:]) != 4 {
		t.Errorf("packed reputation: status %d, % x", st, v.b)
	}
	for _, tc := range []struct {
		c      *call
		lookup lookupFunc
		key    string
		want   int64
		status int32
	}{
		{pool, lookupPool, "reputation.tenant.1h.deliveries", 999, 0},
		{pool, lookupPool, "reputation.tenant.1h.bounces", 1, 0},
		{pool, lookupPool, "reputation.tenant.1h.hard_bounces", 1, 0},
		{pool, lookupPool, "reputation.tenant.1h.oob_bounces", 2, 0},
		{pool, lookupPool, "reputation.tenant.1h.complaints", 1, 0},
		{pool, lookupPool, "reputation.tenant.1h.complaint_rate_ppm", 1001, 0}, // 1/999
		{pool, lookupPool, "reputation.tenant.1h.bounce_rate_ppm", 3000, 0},    // 3/1000
		{pool, lookupPool, "reputation.tenant.24h.complaint_rate_ppm", 2333, 0},
		{pool, lookupPool, "reputation.campaign.1h.deliveries", 0, 0},
		{pool, lookupPool, "reputation.campaign.24h.bounce_rate_ppm", 1_000_000, 0},
		{msg, lookupMessage, "reputation.tenant.24h.complaints", 7, 0},
		{msg, lookupMessage, "reputation.campaign.24h.bounces", 4, 0},
		{bare, lookupPool, "reputation.tenant.24h.deliveries", 0, 0},
		{bare, lookupPool, "reputation.tenant.24h.complaint_rate_ppm", 0, 0},
		{pool, lookupPool, "reputation.tenant.1h.unsubscribes", 0, statusNotFound},
		{pool, lookupPool, "reputation.pool.1h.deliveries", 0, statusNotFound},
		{pool, lookupPool, "reputation.tenant.7d.deliveries", 0, statusNotFound},
		{route, lookupRoute, "reputation.tenant.1h.deliveries", 0, statusNotAvailable},
	} {
		v, st := tc.lookup(tc.c, tc.key)
		if st != tc.status || (st == 0 && (v.kind != kindInt || v.n != tc.want)) {
			t.Errorf("%T %s = %+v, status %d; want %d, status %d", tc.c.in, tc.key, v, st, tc.want, tc.status)
		}
	}
}

// TestPoolReputationInputs: select_pool answers the pool scope of ABI
// v1.7 (pools, reputation.pool.POOL.WINDOW.NAME with dotted pool names,
// the packed reputation.pools); on_message answers NOT_AVAILABLE for it,
// and a pool that is not a candidate is NOT_FOUND.
func TestPoolReputationInputs(t *testing.T) {
	rep := &policy.Reputation{Pools: []policy.PoolReputation{
		{Pool: "bulk.eu", H1: policy.ReputationCounts{Deliveries: 1000, Complaints: 2}},
		{Pool: "default", H24: policy.ReputationCounts{Deliveries: 50, Bounces: 50, OOBBounces: 5}},
	}}
	pool := &call{in: &policy.PoolInput{Tenant: "acme", Reputation: rep}}
	msg := &call{in: &policy.MessageInput{Tenant: "acme", Reputation: &policy.Reputation{}}}
	if v, st := lookupPool(pool, "pools"); st != 0 || v.kind != kindList || len(v.list) != 2 || v.list[0] != "bulk.eu" {
		t.Errorf("pools = %+v, status %d", v, st)
	}
	if v, st := lookupPool(&call{in: &policy.PoolInput{}}, "pools"); st != 0 || len(v.list) != 0 {
		t.Errorf("pools without counts = %+v, status %d; want an empty list", v, st)
	}
	if v, st := lookupPool(pool, "reputation.pools"); st != 0 || len(v.b) != 160 ||
		binary.LittleEndian.Uint64(v.b[0:]) != 1000 || binary.LittleEndian.Uint64(v.b[4*8:]) != 2 ||
		binary.LittleEndian.Uint64(v.b[15*8:]) != 50 || binary.LittleEndian.Uint64(v.b[16*8:]) != 50 ||
		binary.LittleEndian.Uint64(v.b[18*8:]) != 5 {
		t.Errorf("packed pools: status %d, % x", st, v.b)
	}
	for _, tc := range []struct {
		c      *call
		lookup lookupFunc
		key    string
		want   int64
		status int32
	}{
		{pool, lookupPool, "reputation.pool.bulk.eu.1h.deliveries", 1000, 0},
		{pool, lookupPool, "reputation.pool.bulk.eu.1h.complaint_rate_ppm", 2000, 0},
		{pool, lookupPool, "reputation.pool.bulk.eu.24h.deliveries", 0, 0},
		{pool, lookupPool, "reputation.pool.default.24h.bounce_rate_ppm", 550_000, 0}, // 55/100
		{pool, lookupPool, "reputation.pool.default.24h.oob_bounces", 5, 0},
		{pool, lookupPool, "reputation.pool.other.1h.deliveries", 0, statusNotFound},
		{pool, lookupPool, "reputation.pool.default.7d.deliveries", 0, statusNotFound},
		{pool, lookupPool, "reputation.pool.default.1h.unsubscribes", 0, statusNotFound},
		{pool, lookupPool, "reputation.pool.default", 0, statusNotFound},
		{msg, lookupMessage, "reputation.pool.default.1h.deliveries", 0, statusNotAvailable},
		{msg, lookupMessage, "reputation.pools", 0, statusNotAvailable},
	} {
		v, st := tc.lookup(tc.c, tc.key)
		if st != tc.status || (st == 0 && (v.kind != kindInt || v.n != tc.want)) {
			t.Errorf("%T %s = %+v, status %d; want %d, status %d", tc.c.in, tc.key, v, st, tc.want, tc.status)
		}
	}
}
