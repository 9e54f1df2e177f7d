package fleet

import (
	"context"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/fleet/fleettest"
)

// TestReleaseDuringRenew: a slot released after a renewal listed it but
// before the renewal reached Redis is free in Redis once the renewal is
// done, not brought back by it for slot_ttl.
func TestReleaseDuringRenew(t *testing.T) {
	r := fleettest.Start(t)
	f := startNode(t, clusterConfig("a", r.Addr)).f
	s := f.Slots("mx", 1)
	rel, _ := s.Acquire(context.Background())
	if rel == nil {
		t.Fatal("no slot of a free limit")
	}
	listed := f.heldLeases()
	rel()
	f.renewLeases(listed) // the renewal arrives after the release's ZREM
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if n, err := f.rdb.ZCard(ctx, s.key).Result(); err != nil || n != 0 {
		t.Errorf("%d leases in Redis (%v) after the only one was released", n, err)
	}
}
