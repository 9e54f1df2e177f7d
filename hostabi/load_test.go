package hostabi

import (
	"context"
	"errors"
	"testing"
)

// TestLoadRefuses loads every malformed fixture and asserts the exact
// reason it is refused; the host keeps loading good modules afterwards.
func TestLoadRefuses(t *testing.T) {
	th := newTestHost(t, nil)
	cases := []struct {
		fixture string
		want    string
	}{
		{"nomarker", "hostabi: invalid module: no ABI marker: export a function wasmta_abi_v1 of type () -> ()"},
		{"abiv2", "hostabi: invalid module: module speaks ABI v2; this host speaks v1"},
		{"nohooks", "hostabi: invalid module: no hook exported (want one of on_mail_from, on_rcpt, on_message, route, select_pool, shape, classify)"},
		{"nomemory", "hostabi: invalid module: no memory exported as \"memory\""},
		{"badhooksig", "hostabi: invalid module: hook route must have type () -> i32"},
		{"unknownimport", "hostabi: invalid module: unknown import env.system"},
		{"badimportsig", "hostabi: invalid module: import wasmta.get has type (i32 i32) -> (i32), want (i32 i32 i32 i32) -> (i32)"},
		{"importmemory", "hostabi: invalid module: memory import env.memory: a module must define its own memory"},
		{"starttrap", "hostabi: invalid module: dry run of route: instantiate: trap: start function[0] failed: wasm error: unreachable"},
		{"inittrap", "hostabi: invalid module: dry run of route: _initialize: trap: wasm error: unreachable"},
		{"alwaystrap", "hostabi: invalid module: dry run of route: trap: wasm error: unreachable"},
		{"badresult", "hostabi: invalid module: dry run of classify: classify: scope set without suspend, rate_factor or max_connections"},
		{"bigmemory", "hostabi: invalid module: section memory: min 2000 pages (125 Mi) over limit of 1024 pages (64 Mi)"},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			m, err := th.Load(context.Background(), "acme", watFixture(t, tc.fixture))
			if err == nil {
				m.Close()
				t.Fatal("loaded, want refused")
			}
			if !errors.Is(err, ErrInvalidModule) {
				t.Errorf("error %v does not wrap ErrInvalidModule", err)
			}
			if err.Error() != tc.want {
				t.Errorf("error:\n got %s\nwant %s", err, tc.want)
			}
		})
	}
	if f := th.faults.take(); len(f) != 0 {
		t.Errorf("refused modules reported faults: %v", f)
	}
	if _, err := th.Load(context.Background(), "acme", []byte("not wasm")); !errors.Is(err, ErrInvalidModule) {
		t.Errorf("garbage: %v, want ErrInvalidModule", err)
	}
	th.load(t, "acme", "minimal") // the host is still fine
}
