package policy

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var buildMu sync.Mutex

// buildPolicy builds testdata/tenantpolicy for a host and label, caching
// the module by its inputs so reruns are fast.
func buildPolicy(t testing.TB, host, label string) []byte {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	src, err := os.ReadFile("testdata/tenantpolicy/main.go")
	if err != nil {
		t.Fatal(err)
	}
	key := sha256.Sum256(fmt.Appendf(src, "%s|%s", host, label))
	out := filepath.Join(os.TempDir(), fmt.Sprintf("wasmta-e2e-%x.wasm", key[:8]))
	if b, err := os.ReadFile(out); err == nil {
		return b
	}
	cmd := exec.Command("go", "build", "-buildmode=c-shared",
		"-ldflags", fmt.Sprintf("-X main.host=%s -X main.label=%s", host, label),
		"-o", out+".tmp", "./testdata/tenantpolicy")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build policy: %v\n%s", err, b)
	}
	if err := os.Rename(out+".tmp", out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
