package spool

import (
	"fmt"
	"slices"
	"testing"
)

// TestPolicyModules: saved versions come back after a reopen, each tenant
// keeps its newest keep, and the global module ("") and a tenant whose
// name another extends ("acme", "acme2") do not prune each other.
func TestPolicyModules(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, testOptions())
	pm := s.PolicyModules(3)
	for v := 1; v <= 5; v++ {
		for _, tenant := range []string{"", "acme", "acme2"} {
			if err := pm.SaveModule(tenant, v, fmt.Appendf(nil, "%s-%d", tenant, v)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir, testOptions())
	t.Cleanup(func() { _ = s.Close() })
	var got []string
	err := s.PolicyModules(3).LoadModules(func(tenant string, version int, wasm []byte) error {
		if want := fmt.Sprintf("%s-%d", tenant, version); string(wasm) != want {
			t.Errorf("%q v%d holds %q, want %q", tenant, version, wasm, want)
		}
		got = append(got, fmt.Sprintf("%s/%d", tenant, version))
		return nil
	})
	want := []string{"/3", "/4", "/5", "acme/3", "acme/4", "acme/5", "acme2/3", "acme2/4", "acme2/5"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("loaded %v, %v; want %v", got, err, want)
	}
}
