package hostabi

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

// loopsPolicy is a valid policy whose route runs n empty loops, one after
// the other, then the code tail, and has no opinion: 3 bytes of code per
// loop, all in one function. (The adversarial pass of issue 12 pushed n =
// 10,000.)
func loopsPolicy(n int, tail ...byte) []byte {
	route := []byte{0x00} // no locals
	for range n {
		route = append(route, 0x03, 0x40, 0x0b) // loop end
	}
	route = append(append(route, tail...), 0x41, 0x01, 0x0b) // i32.const 1
	section := func(dst []byte, id byte, body ...byte) []byte {
		return append(binary.AppendUvarint(append(dst, id), uint64(len(body))), body...)
	}
	name := func(s string) []byte { return append([]byte{byte(len(s))}, s...) }
	w := []byte("\x00asm\x01\x00\x00\x00")
	w = section(w, 1, 2, 0x60, 0, 0, 0x60, 0, 1, 0x7f) // () -> (), () -> i32
	w = section(w, 3, 2, 0, 1)                         // marker, route
	w = section(w, 5, 1, 0, 1)                         // memory 1
	exports := []byte{3}
	exports = append(append(exports, name("memory")...), 0x02, 0)
	exports = append(append(exports, name(abiMarker)...), 0x00, 0)
	exports = append(append(exports, name("route")...), 0x00, 1)
	w = section(w, 7, exports...)
	code := []byte{2, 2, 0x00, 0x0b}
	code = append(binary.AppendUvarint(code, uint64(len(route))), route...)
	return section(w, 10, code...)
}

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
		_, err := reg.Push(ctx, "acme", loopsPolicy(10000))
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
			_, err := th.Load(context.Background(), "acme", loopsPolicy(2000))
			if !errors.Is(err, ErrInvalidModule) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("load: %v, want refused: %s", err, tc.want)
			}
		})
	}
}
