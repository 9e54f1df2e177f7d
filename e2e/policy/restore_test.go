package policy

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/mta/spool"
)

// TestModulesSurviveRestart: modules pushed through a registry whose store
// is the spool (as cmd/wasmta wires them) are in force again after the
// spool is reopened and a new registry restores them, with the rollback
// target of each tenant, and the global module as "".
func TestModulesSurviveRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	routeA, routeB := watModule(t, "routea"), watModule(t, "routeb")
	withRegistry(t, dir, func(reg *hostabi.Registry) {
		for _, push := range []struct {
			tenant string
			wasm   []byte
		}{{"a", routeA}, {"a", routeB}, {"", routeA}} {
			if _, err := reg.Push(ctx, push.tenant, push.wasm); err != nil {
				t.Fatal(err)
			}
		}
	})
	withRegistry(t, dir, func(reg *hostabi.Registry) {
		if err := reg.Restore(ctx); err != nil {
			t.Fatal(err)
		}
		list := reg.List()
		if len(list) != 2 || list[0].Tenant != "" || list[0].Version != 1 || list[1].Tenant != "a" ||
			list[1].Version != 2 || list[1].Previous != 1 || list[1].SHA256 != fmt.Sprintf("%x", sha256.Sum256(routeB)) {
			t.Fatalf("restored %+v, want the global v1 and a's v2 (previous 1)", list)
		}
		v, err := reg.Rollback(ctx, "a")
		if err != nil || v.Number != 3 || v.SHA256 != sha256.Sum256(routeA) {
			t.Errorf("rollback: %v %v, want v3 with routea's bytes", v, err)
		}
	})
}

// withRegistry opens the spool in dir and a registry stored in it, runs f
// and closes both.
func withRegistry(t *testing.T, dir string, f func(*hostabi.Registry)) {
	t.Helper()
	ctx := context.Background()
	st, err := spool.Open(dir, spool.Options{BallastBytes: 1 << 20, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	host, err := hostabi.New(ctx, hostabi.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close(ctx)
	reg := hostabi.NewRegistry(host, st.PolicyModules(5))
	defer reg.Close()
	f(reg)
}

func watModule(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "wat", name+".wasm"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
