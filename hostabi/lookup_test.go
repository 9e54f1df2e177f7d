package hostabi

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
)

func TestLookup(t *testing.T) {
	tabs := &policy.MemTables{}
	tabs.Put("", "pools", map[string][]byte{"acme": []byte("warm"), "beta": []byte("cold")})
	tabs.Put("beta", "pools", map[string][]byte{"beta": []byte("own")})
	tabs.Put("", "hosts", map[string][]byte{"example.com": []byte("relay.example.net:2525"),
		"budget.example": []byte("relay.example.net")})
	th := newTestHost(t, func(c *Config) { c.Tables = tabs })
	m := th.load(t, "", "lookup")
	ctx := context.Background()
	tests := []struct{ tenant, want string }{
		{"acme", "warm"}, {"beta", "own"}, {"gamma", "<none>"},
	}
	for _, tc := range tests {
		log := &policy.ReadLog{}
		pool, err := m.SelectPool(policy.WithReadLog(ctx, log), &policy.PoolInput{Tenant: tc.tenant})
		if errors.Is(err, policy.ErrNotImplemented) {
			pool = "<none>"
		} else if err != nil {
			t.Fatal(err)
		}
		if pool != tc.want {
			t.Errorf("select_pool for %s = %q, want %q", tc.tenant, pool, tc.want)
		}
		if r := log.Reads(); len(r) != 1 || r[0].Table != "pools" || r[0].Tenant != tc.tenant || !tabs.Current(r) {
			t.Errorf("reads of %s: %+v", tc.tenant, r)
		}
	}
	log := &policy.ReadLog{}
	r, err := m.Route(policy.WithReadLog(ctx, log), &policy.RouteInput{Domain: "example.com"})
	if err != nil || len(r.Hosts) != 1 || r.Hosts[0] != "relay.example.net:2525" {
		t.Fatalf("route: %+v %v", r, err)
	}
	reads := log.Reads()
	tabs.Put("", "hosts", map[string][]byte{"example.com": []byte("other.example.net")})
	if tabs.Current(reads) {
		t.Error("a route that read the old hosts table is current")
	}
	_, err = m.Route(ctx, &policy.RouteInput{Domain: "budget.example"})
	if err == nil || !strings.Contains(err.Error(), "LIMIT") || !strings.Contains(err.Error(), "more than 64 lookups") {
		t.Errorf("100 lookups in one call: %v, want a LIMIT fault", err)
	}
}

// TestLookupWithoutTables: a host without tables answers NOT_FOUND, so
// a policy that reads tables has no opinion rather than a fault.
func TestLookupWithoutTables(t *testing.T) {
	th := newTestHost(t, nil)
	m := th.load(t, "", "lookup")
	if _, err := m.SelectPool(context.Background(), &policy.PoolInput{Tenant: "acme"}); !errors.Is(err, policy.ErrNotImplemented) {
		t.Errorf("select_pool without tables: %v, want no opinion", err)
	}
}

// TestAdmissionRefusesUnknownPool: a module whose select_pool names a pool
// that is not configured is refused at load; one that reads the name from
// a table is not (the engine reports that at run time).
func TestAdmissionRefusesUnknownPool(t *testing.T) {
	tabs := &policy.MemTables{}
	tabs.Put("", "pools", map[string][]byte{"acme": []byte("nosuch")})
	th := newTestHost(t, func(c *Config) {
		c.Pools, c.Tenants, c.Tables = []string{"warm", "cold"}, []string{"acme"}, tabs
	})
	_, err := th.Load(context.Background(), "", watFixture(t, "minimal"))
	if !errors.Is(err, ErrInvalidModule) || !strings.Contains(err.Error(), `names pool "default", which is not configured`) {
		t.Errorf("load of a module naming pool default: %v", err)
	}
	th.load(t, "", "lookup")
	ok := newTestHost(t, func(c *Config) { c.Pools = []string{"default"} })
	ok.load(t, "acme", "minimal")
}

// BenchmarkLookupCall is one route call of the lookup fixture: an input
// read, one lookup and one result, against tables held in memory.
func BenchmarkLookupCall(b *testing.B) {
	tabs := &policy.MemTables{}
	tabs.Put("", "hosts", map[string][]byte{"example.com": []byte("relay.example.net:2525")})
	th := newTestHost(b, func(c *Config) { c.Tables = tabs })
	m := th.load(b, "", "lookup")
	in := &policy.RouteInput{Domain: "example.com"}
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if _, err := m.Route(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
