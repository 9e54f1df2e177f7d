package hostabi

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
)

// memStore is a ModuleStore in a map, standing in for the spool adapter
// that the engine owns.
type memStore struct {
	mu      sync.Mutex
	modules []StoredModule
	fail    error
}

func (s *memStore) SaveModule(tenant string, version int, wasm []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.modules = append(s.modules, StoredModule{Tenant: tenant, Version: version, Wasm: wasm})
	return nil
}

func (s *memStore) LoadModules(each func(tenant string, version int, wasm []byte) error) error {
	s.mu.Lock()
	modules := append([]StoredModule(nil), s.modules...)
	s.mu.Unlock()
	for _, m := range modules {
		if err := each(m.Tenant, m.Version, m.Wasm); err != nil {
			return err
		}
	}
	return nil
}

// routeHost asks p for the route of b.test and returns its first host.
func routeHost(t testing.TB, p policy.Policy) string {
	t.Helper()
	if p == nil {
		return "<nil>"
	}
	r, err := p.Route(context.Background(), &policy.RouteInput{Domain: "b.test"})
	if err != nil {
		t.Fatalf("route on %s: %v", p.Version(), err)
	}
	if len(r.Hosts) == 0 {
		return ""
	}
	return r.Hosts[0]
}

func TestRegistryPushRollback(t *testing.T) {
	th := newTestHost(t, nil)
	store := &memStore{}
	reg := NewRegistry(th.Host, store)
	defer reg.Close()
	ctx := context.Background()
	a, b := watFixture(t, "routea"), watFixture(t, "routeb")

	if reg.For("acme") != nil {
		t.Fatal("empty registry returned a policy")
	}
	mustPush(t, reg, "", a, "*/v1/")
	if got := routeHost(t, reg.For("acme")); got != "a.example" {
		t.Errorf("acme without a module uses %q, want the global a.example", got)
	}
	mustPush(t, reg, "acme", b, "acme/v1/")
	old := reg.Module("acme")
	if got := routeHost(t, reg.For("acme")); got != "b.example" {
		t.Errorf("acme got %q, want b.example", got)
	}
	if got := routeHost(t, reg.For("other")); got != "a.example" {
		t.Errorf("other got %q, want the global a.example", got)
	}
	mustPush(t, reg, "acme", b, "acme/v1/") // same bytes: no new version
	if _, err := reg.Rollback(ctx, "acme"); !errors.Is(err, ErrNoPrevious) {
		t.Errorf("rollback of a first version: %v, want ErrNoPrevious", err)
	}
	if _, err := reg.Push(ctx, "acme", watFixture(t, "alwaystrap")); !errors.Is(err, ErrInvalidModule) {
		t.Errorf("bad push: %v, want ErrInvalidModule", err)
	}
	if reg.Module("acme") != old {
		t.Error("a refused push replaced the running module")
	}
	mustPush(t, reg, "acme", a, "acme/v2/")
	if !old.Closed() {
		t.Error("replaced module with no call in flight is not closed")
	}
	assertRollback(t, reg, "acme/v3/", "b.example")
	assertRollback(t, reg, "acme/v4/", "a.example")
	assertList(t, reg, []string{"global v1 prev 0", "acme v4 prev 3"})
	if len(store.modules) != 5 {
		t.Errorf("store has %d modules, want 5 (global v1, acme v1-v4)", len(store.modules))
	}
}

func mustPush(t *testing.T, reg *Registry, tenant string, wasm []byte, prefix string) Version {
	t.Helper()
	v, err := reg.Push(context.Background(), tenant, wasm)
	if err != nil {
		t.Fatalf("push %q: %v", tenant, err)
	}
	if s := v.String(); len(s) != len(prefix)+len("sha256:")+12 || s[:len(prefix)] != prefix {
		t.Fatalf("version %s, want %s...", s, prefix)
	}
	if got := reg.Module(tenant).Version(); got != v.String() {
		t.Fatalf("module version %s, pushed %s", got, v)
	}
	return v
}

func assertRollback(t *testing.T, reg *Registry, prefix, host string) {
	t.Helper()
	v, err := reg.Rollback(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if s := v.String(); s[:len(prefix)] != prefix {
		t.Errorf("rollback gave %s, want %s...", s, prefix)
	}
	if got := routeHost(t, reg.For("acme")); got != host {
		t.Errorf("after rollback to %s: %q, want %q", v, got, host)
	}
}

func assertList(t *testing.T, reg *Registry, want []string) {
	t.Helper()
	var got []string
	for _, i := range reg.List() {
		name := i.Tenant
		if name == "" {
			name = "global"
		}
		got = append(got, fmt.Sprintf("%s v%d prev %d", name, i.Version, i.Previous))
		if i.Size == 0 || len(i.SHA256) != 64 || i.LoadedAt.IsZero() || len(i.Hooks) != 1 || i.Hooks[0] != "route" {
			t.Errorf("info %+v incomplete", i)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("List: %v, want %v", got, want)
	}
}

// TestRegistryRestore restarts from the store: the newest version of each
// tenant is current, the one below is the rollback target, and a stored
// version that no longer loads gives way to the previous one.
func TestRegistryRestore(t *testing.T) {
	th := newTestHost(t, nil)
	store := &memStore{}
	reg := NewRegistry(th.Host, store)
	mustPush(t, reg, "acme", watFixture(t, "routea"), "acme/v1/")
	mustPush(t, reg, "acme", watFixture(t, "routeb"), "acme/v2/")
	mustPush(t, reg, "", watFixture(t, "routea"), "*/v1/")
	reg.Close()
	store.modules = append(store.modules, StoredModule{Tenant: "beta", Version: 1, Wasm: watFixture(t, "routeb")},
		StoredModule{Tenant: "beta", Version: 2, Wasm: []byte("corrupt")})

	reg2 := NewRegistry(th.Host, store)
	defer reg2.Close()
	if err := reg2.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertList2 := func(want string) {
		t.Helper()
		var got []string
		for _, i := range reg2.List() {
			got = append(got, fmt.Sprintf("%q v%d prev %d", i.Tenant, i.Version, i.Previous))
		}
		if fmt.Sprint(got) != want {
			t.Errorf("restored %v, want %s", got, want)
		}
	}
	assertList2(`["" v1 prev 0 "acme" v2 prev 1 "beta" v1 prev 0]`)
	if got := routeHost(t, reg2.For("acme")); got != "b.example" {
		t.Errorf("restored acme routes to %q", got)
	}
	v, err := reg2.Rollback(context.Background(), "acme")
	if err != nil || v.Number != 3 || routeHost(t, reg2.For("acme")) != "a.example" {
		t.Errorf("rollback after restore: %v %v", v, err)
	}
	v, err = reg2.Push(context.Background(), "beta", watFixture(t, "routea"))
	if err != nil || v.Number != 3 {
		t.Errorf("push after a skipped version: %v %v, want v3", v, err)
	}
}

// TestRegistrySaveFailure keeps the running version when the store fails.
func TestRegistrySaveFailure(t *testing.T) {
	th := newTestHost(t, nil)
	store := &memStore{}
	reg := NewRegistry(th.Host, store)
	defer reg.Close()
	mustPush(t, reg, "acme", watFixture(t, "routea"), "acme/v1/")
	store.fail = errors.New("disk full")
	if _, err := reg.Push(context.Background(), "acme", watFixture(t, "routeb")); err == nil {
		t.Fatal("push with a failing store succeeded")
	}
	if got := routeHost(t, reg.For("acme")); got != "a.example" {
		t.Errorf("after a failed save acme routes to %q, want a.example", got)
	}
}
