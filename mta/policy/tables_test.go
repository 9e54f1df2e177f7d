package policy

import (
	"context"
	"sync/atomic"
	"testing"
)

// tablePolicy routes a domain to the smart host its table names, reading
// tables as a wasm module does: through Tables, recording the read in the
// context's ReadLog.
type tablePolicy struct {
	Default
	tabs  Tables
	table string
	calls atomic.Int32
}

func (p *tablePolicy) Version() string { return "tables/v1" }

func (p *tablePolicy) Route(ctx context.Context, in *RouteInput) (Route, error) {
	p.calls.Add(1)
	v, found, read, err := p.tabs.Lookup(in.Tenant, p.table, in.Domain)
	if l := ReadLogFrom(ctx); l != nil {
		l.Add(read)
	}
	if err != nil || !found {
		return Route{}, err
	}
	return Route{Kind: RouteHosts, Hosts: []string{string(v)}}, nil
}

func TestGuardCacheFollowsTables(t *testing.T) {
	tabs := &MemTables{}
	tabs.Put("", "hosts", map[string][]byte{"example.com": []byte("a.example.net")})
	p := &tablePolicy{tabs: tabs, table: "hosts"}
	g := NewGuard(onePolicy{p}, nil, nil)
	g.SetTables(tabs)
	ctx := context.Background()
	route := func() string {
		r, _ := g.Route(ctx, &RouteInput{Tenant: "acme", Domain: "example.com"})
		if len(r.Hosts) == 0 {
			return ""
		}
		return r.Hosts[0]
	}
	steps := []struct {
		change    func()
		want      string
		wantCalls int32
	}{
		{nil, "a.example.net", 1},
		{nil, "a.example.net", 1}, // cached
		{func() { tabs.Put("", "hosts", map[string][]byte{"example.com": []byte("b.example.net")}) }, "b.example.net", 2},
		{nil, "b.example.net", 2},
		{func() { tabs.Put("other", "hosts", map[string][]byte{}) }, "b.example.net", 2}, // another tenant's table
		{func() { tabs.Put("acme", "hosts", map[string][]byte{"example.com": []byte("c.example.net")}) }, "c.example.net", 3},
		{func() { tabs.Put("acme", "hosts", nil) }, "b.example.net", 4}, // deleted: the global one again
	}
	for i, s := range steps {
		if s.change != nil {
			s.change()
		}
		if got := route(); got != s.want || p.calls.Load() != s.wantCalls {
			t.Errorf("step %d: route %q after %d calls, want %q after %d", i, got, p.calls.Load(), s.want, s.wantCalls)
		}
	}
}

// volatileTables answers every lookup as a table without versions.
type volatileTables struct{ MemTables }

func (v *volatileTables) Lookup(tenant, name, key string) ([]byte, bool, TableRead, error) {
	val, ok, r, err := v.MemTables.Lookup(tenant, name, key)
	r.Version = VolatileVersion
	return val, ok, r, err
}

func TestGuardNeverCachesVolatileReads(t *testing.T) {
	tabs := &volatileTables{}
	p := &tablePolicy{tabs: tabs, table: "@suppressed"}
	g := NewGuard(onePolicy{p}, nil, nil)
	g.SetTables(tabs)
	for range 3 {
		g.Route(context.Background(), &RouteInput{Domain: "example.com"})
	}
	if n := p.calls.Load(); n != 3 {
		t.Errorf("route called %d times for 3 messages, want 3: a read of a volatile table is not cached", n)
	}
}

// TestRouteChanged: a stamp taken after a route was decided reads as
// changed after a new version of a table the route read (before and after
// the route is decided again), after a reload, and not after another
// tenant's table or nothing.
func TestRouteChanged(t *testing.T) {
	tabs := &MemTables{}
	tabs.Put("", "hosts", map[string][]byte{"example.com": []byte("a.example.net")})
	p := &tablePolicy{tabs: tabs, table: "hosts"}
	g := NewGuard(onePolicy{p}, nil, nil)
	g.SetTables(tabs)
	ctx := context.Background()
	route := func() { g.Route(ctx, &RouteInput{Tenant: "acme", Domain: "example.com"}) }
	stamp := func() RouteStamp { route(); return g.RouteStampFor("acme", "", "example.com") }
	steps := []struct {
		name   string
		change func()
		want   bool
	}{
		{"nothing", func() {}, false},
		{"decided again from the cache", route, false},
		{"another tenant's table", func() { tabs.Put("other", "hosts", map[string][]byte{}) }, false},
		{"a table the route read", func() { tabs.Put("", "hosts", map[string][]byte{"example.com": []byte("b.example.net")}) }, true},
		{"a table the route read, decided again", func() {
			tabs.Put("acme", "hosts", map[string][]byte{"example.com": []byte("c.example.net")})
			route()
		}, true},
		{"a reload", func() { g.SetDefault(&Default{}) }, true},
	}
	for _, s := range steps {
		st := stamp()
		s.change()
		if got := g.RouteChanged(st, "acme", "", "example.com"); got != s.want {
			t.Errorf("%s: RouteChanged = %v, want %v", s.name, got, s.want)
		}
	}
}
