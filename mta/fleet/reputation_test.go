package fleet

import (
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/fleet/fleettest"
	"github.com/wasmta/wasmta/mta/reputation"
)

// TestReputationShared: a complaint counted on B is in A's select_pool
// input within a few heartbeats, and A's own counts (its metrics) stay
// its own.
func TestReputationShared(t *testing.T) {
	r := fleettest.Start(t)
	reps := map[string]*reputation.Tracker{}
	for _, name := range []string{"a", "b"} {
		f, err := Open(clusterConfig(name, r.Addr), nil)
		if err != nil {
			t.Fatal(err)
		}
		reps[name] = reputation.New()
		f.ShareReputation(reps[name])
		f.Start(2 * time.Second)
		t.Cleanup(func() { f.Close() })
	}
	reps["b"].Record(&events.Record{Type: events.Feedback, Tenant: "acme", Meta: map[string]string{"kind": "abuse"}})
	eventually(t, 3*time.Second, "b's complaint in a's input", func() bool {
		return reps["a"].Input("acme", "").Tenant1h.Complaints == 1
	})
	if h, _ := reps["a"].Windows(reputation.Key{Scope: reputation.ScopeTenant, Tenant: "acme"}); h.Complaints != 0 {
		t.Errorf("a's own window counts %d complaints, want 0", h.Complaints)
	}
}
