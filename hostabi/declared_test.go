package hostabi

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
)

// The declared<mask> fixtures export route and classify (which traps)
// and declare the hook set <mask>.
func TestDeclaredHooks(t *testing.T) {
	th := newTestHost(t, nil)
	tests := []struct {
		mask    string
		refused string // "" = loads
	}{
		{"8", ""},
		{"72", ""}, // route + classify: classify traps in the dry run
		{"0", "declares no hook"},
		{"1", "declares on_mail_from, which the module does not export"},
		{"128", "not a set of ABI v1 hooks"},
	}
	for _, tc := range tests {
		t.Run("mask="+tc.mask, func(t *testing.T) {
			m, err := th.Load(context.Background(), "acme", watFixture(t, "declared"+tc.mask))
			if tc.mask == "72" {
				if err == nil || !strings.Contains(err.Error(), "dry run of classify") {
					t.Fatalf("Load = %v, want the classify trap found by the dry run", err)
				}
				return
			}
			if tc.refused != "" {
				if err == nil || !errors.Is(err, ErrInvalidModule) || !strings.Contains(err.Error(), tc.refused) {
					t.Fatalf("Load = %v, want refusal %q", err, tc.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if got := strings.Join(m.Hooks(), ","); got != "route" {
				t.Fatalf("Hooks() = %q, want route only", got)
			}
			if !m.Declares(policy.HookRoute) || m.Declares(policy.HookClassify) || m.Declares("nosuchhook") {
				t.Fatal("Declares disagrees with Hooks()")
			}
			r, err := m.Route(context.Background(), &policy.RouteInput{Domain: "example.com"})
			if err != nil || len(r.Hosts) != 1 || r.Hosts[0] != "declared.example" {
				t.Fatalf("Route = %+v, %v", r, err)
			}
			if _, err := m.Classify(context.Background(), &policy.ClassifyInput{Code: 550}); !errors.Is(err, policy.ErrNotImplemented) {
				t.Fatalf("Classify of an undeclared hook = %v, want ErrNotImplemented without a call", err)
			}
		})
	}
}
