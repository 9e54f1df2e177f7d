package hostabi

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testwasm"
	"github.com/wasmta/wasmta/mta/policy"
)

// TestPushManyLoops pushes the 10,000-loop module of issue 12, which
// took 47 s to push when the guard put five basic blocks into every loop:
// it must load and run, and List (GET /v1/policies) must answer all along
// the compilation, which holds the registry's change token, not its lock.
func TestPushManyLoops(t *testing.T) {
	th := newTestHost(t, nil)
	reg := NewRegistry(th.Host, nil)
	defer reg.Close()
	ctx := context.Background()
	if _, err := reg.Push(ctx, "acme", watFixture(t, "noop")); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := reg.Push(ctx, "acme", testwasm.Loops(10000))
		done <- err
	}()
	lists := 0
	for pushed := false; !pushed; {
		withTimeout(t, 10*time.Second, func() {
			if l := reg.List(); len(l) != 1 || l[0].Version != 1 && l[0].Version != 2 {
				t.Errorf("list: %+v", l)
			}
		})
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			pushed = true
		case <-time.After(10 * time.Millisecond):
			lists++
		}
	}
	if lists == 0 {
		t.Error("no List answered while the module compiled")
	}
	if err := callHook(reg.Module("acme"), "route", "good", ""); !errors.Is(err, policy.ErrNotImplemented) {
		t.Errorf("route: %v, want no opinion", err)
	}
}

// TestListWhilePushWaits: a push waiting for the Host's compile slot (held
// here, as by an abandoned compilation) blocks neither List nor For, and
// goes on once the slot is free.
func TestListWhilePushWaits(t *testing.T) {
	th := newTestHost(t, nil)
	reg := NewRegistry(th.Host, nil)
	defer reg.Close()
	th.compiling <- struct{}{}
	done := make(chan error, 1)
	go func() {
		_, err := reg.Push(context.Background(), "acme", watFixture(t, "noop"))
		done <- err
	}()
	withTimeout(t, 10*time.Second, func() {
		if l := reg.List(); len(l) != 0 || reg.For("acme") != nil {
			t.Errorf("list: %+v before the push, want empty", l)
		}
	})
	select {
	case err := <-done:
		t.Fatalf("push ended (%v) while the compile slot was taken", err)
	case <-time.After(50 * time.Millisecond):
	}
	<-th.compiling
	if err := <-done; err != nil || len(reg.List()) != 1 {
		t.Errorf("push: %v, list %+v", err, reg.List())
	}
}

// TestLoadLimits: a module past a compilation limit is refused with an
// error naming the limit's configuration key, and the first two before
// wazero compiles anything.
func TestLoadLimits(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"size", func(c *Config) { c.MaxModuleSize = 1000 }, "more than the limit of 1000 (policy.max_module_size)"},
		{"blocks", func(c *Config) { c.MaxFunctionBlocks = 500 }, "more than 500 blocks, loops, ifs and branches: too complex to compile (limit: policy.max_function_blocks)"},
		{"time", func(c *Config) { c.CompileTimeout = time.Millisecond }, "compilation took longer than the limit of 1ms (policy.compile_timeout)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			th := newTestHost(t, tc.mutate)
			_, err := th.Load(context.Background(), "acme", testwasm.Loops(2000))
			if !errors.Is(err, ErrInvalidModule) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("load: %v, want refused: %s", err, tc.want)
			}
		})
	}
}
