package hostabi

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
)

// TestRegistryRemoveAndRollbackTo: a removed module leaves the tenant on
// the global one, across a restart too; any kept version comes back as a
// new version; a version not kept is ErrNoVersion.
func TestRegistryRemoveAndRollbackTo(t *testing.T) {
	th := newTestHost(t, nil)
	store := &memStore{}
	reg := NewRegistry(th.Host, store)
	ctx := context.Background()
	a, b := watFixture(t, "routea"), watFixture(t, "routeb")
	mustPush(t, reg, "", a, "*/v1/")
	mustPush(t, reg, "acme", b, "acme/v1/")
	mustPush(t, reg, "acme", a, "acme/v2/")
	if _, err := reg.Remove(ctx, "other"); !errors.Is(err, ErrNoModule) {
		t.Fatalf("remove with no module: %v, want ErrNoModule", err)
	}
	v, err := reg.Remove(ctx, "acme")
	if err != nil || v.Number != 2 {
		t.Fatalf("remove: %v %v, want acme v2 removed", v, err)
	}
	if reg.Module("acme") != nil || routeHost(t, reg.For("acme")) != "a.example" {
		t.Fatal("after remove acme does not fall back to the global module")
	}
	reg.Close()

	reg = NewRegistry(th.Host, store)
	defer reg.Close()
	if err := reg.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	if reg.Module("acme") != nil {
		t.Fatal("a restart brought the removed module back")
	}
	kept, err := reg.Versions("acme")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(keptNames(kept)); got != "[v3 removed v2 v1]" {
		t.Fatalf("kept versions %s", got)
	}
	if _, err := reg.RollbackTo(ctx, "acme", 7); !errors.Is(err, ErrNoVersion) {
		t.Fatalf("rollback to a version never pushed: %v, want ErrNoVersion", err)
	}
	if _, err := reg.RollbackTo(ctx, "acme", 3); !errors.Is(err, ErrNoVersion) {
		t.Fatalf("rollback to the removal: %v, want ErrNoVersion", err)
	}
	v, err = reg.RollbackTo(ctx, "acme", 1)
	if err != nil || v.Number != 4 || routeHost(t, reg.For("acme")) != "b.example" {
		t.Fatalf("rollback to v1: %v %v, want v4 routing like v1", v, err)
	}
	kept, _ = reg.Versions("acme")
	if got := fmt.Sprint(keptNames(kept)); got != "[v4 current v3 removed v2 v1]" {
		t.Fatalf("kept versions after the rollback %s", got)
	}
}

func keptNames(ks []policy.KeptVersion) []string {
	var out []string
	for _, k := range ks {
		s := fmt.Sprintf("v%d", k.Number)
		if k.Current {
			s += " current"
		}
		if k.Removed {
			s += " removed"
		}
		out = append(out, s)
	}
	return out
}

// TestRegistryRemoveAt: a removal numbered elsewhere (a fleet) retires the
// module under that number, survives a restart, and an older number
// (installed or removed) arriving late changes nothing; a newer Install
// brings a module back.
func TestRegistryRemoveAt(t *testing.T) {
	th := newTestHost(t, nil)
	store := &memStore{}
	reg := NewRegistry(th.Host, store)
	ctx := context.Background()
	a, b := watFixture(t, "routea"), watFixture(t, "routeb")
	if _, err := reg.Install(ctx, "acme", 3, a); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		remove     bool
		number     int
		wantNumber int  // the version returned
		wantModule bool // acme has a module afterwards
	}{
		{true, 2, 0, true},  // older than the version in force
		{true, 5, 3, false}, // retires v3
		{true, 5, 0, false}, // the same removal again
		{false, 4, 5, false},
		{false, 6, 6, true},
	} {
		var v Version
		var err error
		if step.remove {
			v, err = reg.RemoveAt(ctx, "acme", step.number)
		} else {
			v, err = reg.Install(ctx, "acme", step.number, b)
		}
		if err != nil || v.Number != step.wantNumber || (reg.Module("acme") != nil) != step.wantModule {
			t.Fatalf("remove=%v %d: %v %v, module %v; want version %d, module %v",
				step.remove, step.number, v, err, reg.Module("acme") != nil, step.wantNumber, step.wantModule)
		}
		if step.number == 5 && step.remove {
			reg.Close()
			reg = NewRegistry(th.Host, store)
			if err := reg.Restore(ctx); err != nil || reg.Module("acme") != nil {
				t.Fatalf("after a restart the removal is not in force: %v", err)
			}
		}
	}
	reg.Close()
}
