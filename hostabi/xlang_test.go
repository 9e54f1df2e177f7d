package hostabi

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
)

// TestOtherLanguages loads the route hook built by clang (freestanding C)
// and rustc (no_std, wasm32-unknown-unknown) from testdata/xlang: what
// those toolchains emit meets the module rules of ABI.md.
func TestOtherLanguages(t *testing.T) {
	th := newTestHost(t, nil)
	for _, name := range []string{"route-c", "route-rust"} {
		t.Run(name, func(t *testing.T) {
			wasm, err := os.ReadFile(filepath.Join("testdata", "xlang", name+".wasm"))
			if err != nil {
				t.Fatal(err)
			}
			m, err := th.Load(context.Background(), "acme", wasm)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			r, err := m.Route(context.Background(), &policy.RouteInput{Domain: "b.test"})
			if err != nil || r.Kind != policy.RouteMX || r.Domain != "b.test" {
				t.Errorf("route: %+v, %v", r, err)
			}
		})
	}
}
