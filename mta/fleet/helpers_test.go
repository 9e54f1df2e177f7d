package fleet

import (
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/shaping"
)

// testNode is one node of a test fleet: a Fleet and a shaping registry
// wired as the engine wires them.
type testNode struct {
	f   *Fleet
	reg *shaping.Registry
}

func clusterConfig(node string, addrs ...string) config.Cluster {
	return config.Cluster{Node: node, Redis: addrs, Heartbeat: 100 * time.Millisecond, NodeTTL: time.Second,
		SlotTTL: time.Second, Timeout: 500 * time.Millisecond, Lease: time.Second}
}

func startNode(t *testing.T, c config.Cluster) *testNode {
	t.Helper()
	f, err := Open(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := &testNode{f: f}
	n.reg = shaping.New(shaping.Options{Share: f.ShareAction, IDSuffix: f.IDSuffix()})
	f.ShareActions(n.reg)
	f.Start(2 * time.Second)
	t.Cleanup(func() { f.Close(); n.reg.Close() })
	return n
}

// eventually polls cond every 5 ms until it holds or d passes, and
// returns how long it took.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

func suspendYahoo(t *testing.T, reg *shaping.Registry, d time.Duration) shaping.Action {
	t.Helper()
	a, _, err := reg.Add(shaping.Action{Kind: shaping.Suspend, Select: shaping.Selector{Provider: "yahoo"},
		Origin: shaping.OriginAdmin, Reason: "test", Expires: time.Now().Add(d)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func yahooSuspended(reg *shaping.Registry) bool {
	_, ok := reg.Suspended(shaping.Subject{Provider: "yahoo", Site: "mta5.am0.yahoodns.net", Source: "ip1"})
	return ok
}

type shapingAction = shaping.Action

func shapeGmail() shaping.Action {
	return shaping.Action{Kind: shaping.Shape, Select: shaping.Selector{Provider: "gmail"},
		Shape: &shaping.Override{MaxConnections: 2}, Origin: shaping.OriginAdmin, Reason: "test", Expires: time.Now().Add(time.Hour)}
}

// crash stops f as kill -9 would: no release, no goodbye, no renewal.
func (f *Fleet) crash() {
	f.cancel()
	f.wg.Wait()
	f.rdb.Close()
}
